//! Sessions that a Python app and a Rust service share: load the framework's session cookie,
//! track reads and writes as the framework does, and decide at response time — as Flask's,
//! Django's or Starlette's middleware would — whether to set, refresh or delete the cookie.
//!
//! The pieces, from the inside out:
//! - [`Session`]: the session data (a [`Map`]) with typed get/insert, remove, clear, and the
//!   `accessed`/`modified` flags of Flask's `SecureCookieSession` and Django's `SessionBase`.
//! - [`CookieConfig`]: name, domain, path, `Secure`, `HttpOnly`, `SameSite`, `Partitioned`,
//!   lifetime, refresh/save-every-request, expire at browser close, the size limit, and whether a
//!   cookie verified by a fallback key is re-signed.
//! - [`Policy`]: one framework's response-time rules, as a pure function [`Policy::decide`].
//! - [`SessionManager`]: the serializer and the two ends of a request, [`SessionManager::load`]
//!   and [`SessionManager::finish`], which produce the `Set-Cookie` (built by the `cookie` crate)
//!   and `Vary: Cookie` a framework adapter applies.
//!
//! The adapters are thin: a tower layer with an axum extractor (feature `axum`) and an actix-web
//! middleware with an extractor (feature `actix`).
//!
//! ```
//! use signed_cookie::session::{Policy, SessionManager};
//! use std::time::SystemTime;
//!
//! // Flask 3.1 with SECRET_KEY = "new", SECRET_KEY_FALLBACKS = ["old"].
//! let flask = SessionManager::new(
//!     Policy::Flask,
//!     signed_cookie::Keys::new("new").with_fallbacks(["old"]),
//! )?;
//! let now = SystemTime::now();
//! let mut session = flask.load(None, now)?; // no cookie: a fresh, empty session
//! session.insert("user_id", &"alice")?;
//! let outcome = flask.finish(&session, 200, now)?;
//! let header = outcome.set_cookie_header().unwrap();
//! assert!(header.starts_with("session=") && header.contains("HttpOnly"));
//! assert!(outcome.vary_cookie());
//!
//! // The next request brings the cookie back.
//! let value = outcome.set_cookie.as_ref().unwrap().value();
//! let again = flask.load(Some(value), now)?;
//! assert_eq!(again.get::<String>("user_id")?.as_deref(), Some("alice"));
//! # Ok::<(), signed_cookie::session::SessionError>(())
//! ```
// Cookies are hostile input: no panic on the load path. Unit tests are exempt (clippy.toml).
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod config;
mod manager;
mod policy;

#[cfg(feature = "actix")]
pub mod actix;
#[cfg(feature = "axum")]
pub mod axum;

pub use config::{CookieConfig, SameSite, SizeAction, SizeLimit};
pub use manager::{
    cookie_value, vary_has_cookie, Outcome, SessionError, SessionManager, SessionWarning,
};
pub use policy::{Action, Decision, DecisionInput, Incoming, Policy, SetReason};

use crate::json::{self, Map, Value};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::cell::Cell;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// Flask's key for [`Session::permanent`].
pub const PERMANENT_KEY: &str = "_permanent";
/// Django's key for [`Session::set_expiry`].
pub const EXPIRY_KEY: &str = "_session_expiry";

/// The data of one request's session, with the flags the frameworks' middleware decides on.
///
/// Reads mark the session *accessed* (the response then varies on `Cookie`); top-level writes
/// mark it *modified* as well (the cookie is then written). As in Flask and Django, changing a
/// value nested inside another is invisible: call [`mark_modified`](Self::mark_modified).
///
/// ```
/// use signed_cookie::session::Session;
/// let mut s = Session::new();
/// assert!(!s.accessed() && !s.modified());
/// assert_eq!(s.get::<u32>("visits")?, None);
/// assert!(s.accessed() && !s.modified());
/// s.insert("visits", &1u32)?;
/// assert!(s.modified());
/// assert_eq!(s.remove("missing"), None); // removing nothing modifies nothing…
/// s.clear(); // …but clear() always does, as dict.clear() on a Flask session
/// assert!(s.is_empty());
/// # Ok::<(), signed_cookie::session::SessionError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Session {
    data: Map,
    accessed: Cell<bool>,
    first_access_was_pop: bool,
    modified: bool,
    flushed: bool,
    incoming: Incoming,
}

impl Session {
    /// A fresh, empty session (what a request without a cookie gets).
    ///
    /// ```
    /// assert!(signed_cookie::session::Session::new().is_empty());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// A session holding `data`, as loaded from a cookie of the kind `incoming` describes;
    /// neither accessed nor modified. [`SessionManager::load`] builds sessions this way.
    ///
    /// ```
    /// use signed_cookie::json::{Map, Value};
    /// use signed_cookie::session::{Incoming, Session};
    /// let mut data = Map::new();
    /// data.insert("user_id".into(), Value::from("alice"));
    /// let s = Session::loaded(data, Incoming::Valid { by_fallback: false });
    /// assert!(!s.accessed());
    /// assert_eq!(s.incoming(), Incoming::Valid { by_fallback: false });
    /// ```
    pub fn loaded(data: Map, incoming: Incoming) -> Self {
        Session {
            data,
            incoming,
            ..Self::default()
        }
    }

    /// What the request carried (absent, blank, invalid, or valid and under which key).
    ///
    /// ```
    /// use signed_cookie::session::{Incoming, Session};
    /// assert_eq!(Session::new().incoming(), Incoming::Absent);
    /// ```
    pub fn incoming(&self) -> Incoming {
        self.incoming
    }

    /// True once anything read or wrote the data.
    ///
    /// ```
    /// let s = signed_cookie::session::Session::new();
    /// let _ = s.len();
    /// assert!(s.accessed());
    /// ```
    pub fn accessed(&self) -> bool {
        self.accessed.get()
    }

    /// True once the top-level data changed (or [`mark_modified`](Self::mark_modified)).
    ///
    /// ```
    /// let mut s = signed_cookie::session::Session::new();
    /// s.insert_value("a", 1i64.into());
    /// assert!(s.modified());
    /// ```
    pub fn modified(&self) -> bool {
        self.modified
    }

    /// True when the first access to the session was [`remove`](Self::remove). Django's
    /// `pop` evaluates `self.modified or key in self._session`, so when it is what loads an
    /// invalid cookie, the `modified` flag that loading sets is overwritten.
    ///
    /// ```
    /// let mut s = signed_cookie::session::Session::new();
    /// s.remove("x");
    /// assert!(s.first_access_was_pop());
    /// ```
    pub fn first_access_was_pop(&self) -> bool {
        self.first_access_was_pop
    }

    /// True after [`flush`](Self::flush).
    ///
    /// ```
    /// let mut s = signed_cookie::session::Session::new();
    /// s.flush();
    /// assert!(s.flushed());
    /// ```
    pub fn flushed(&self) -> bool {
        self.flushed
    }

    fn touch(&self) {
        self.accessed.set(true);
    }

    fn change(&mut self) {
        self.accessed.set(true);
        self.modified = true;
    }

    /// Marks the session accessed without reading it (Flask 3.1.3 and Starlette count any
    /// access to the session object).
    ///
    /// ```
    /// let s = signed_cookie::session::Session::new();
    /// s.mark_accessed();
    /// assert!(s.accessed());
    /// ```
    pub fn mark_accessed(&self) {
        self.touch();
    }

    /// Marks the session modified, for a change inside a nested value (Flask's
    /// `session.modified = True`).
    ///
    /// ```
    /// let mut s = signed_cookie::session::Session::new();
    /// s.mark_modified();
    /// assert!(s.modified() && s.accessed());
    /// ```
    pub fn mark_modified(&mut self) {
        self.change();
    }

    /// The value under `key`, deserialized into `T`; `Ok(None)` when absent, an error when it
    /// has another shape.
    ///
    /// ```
    /// let mut s = signed_cookie::session::Session::new();
    /// s.insert("ids", &vec![1, 2])?;
    /// assert_eq!(s.get::<Vec<u8>>("ids")?, Some(vec![1, 2]));
    /// assert!(s.get::<String>("ids").is_err());
    /// # Ok::<(), signed_cookie::session::SessionError>(())
    /// ```
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, SessionError> {
        match self.get_value(key) {
            None => Ok(None),
            Some(v) => {
                json::from_value(v.clone())
                    .map(Some)
                    .map_err(|source| SessionError::Value {
                        key: key.to_owned(),
                        source,
                    })
            }
        }
    }

    /// The raw value under `key`.
    ///
    /// ```
    /// let mut s = signed_cookie::session::Session::new();
    /// s.insert_value("n", 1i64.into());
    /// assert_eq!(s.get_value("n").and_then(|v| v.as_i64()), Some(1));
    /// ```
    pub fn get_value(&self, key: &str) -> Option<&Value> {
        self.touch();
        self.data.get(key)
    }

    /// Serializes `value` and stores it under `key`, returning the previous value.
    ///
    /// ```
    /// let mut s = signed_cookie::session::Session::new();
    /// assert_eq!(s.insert("user_id", &42)?, None);
    /// assert_eq!(s.insert("user_id", &43)?, Some(42i64.into()));
    /// # Ok::<(), signed_cookie::session::SessionError>(())
    /// ```
    pub fn insert<T: Serialize + ?Sized>(
        &mut self,
        key: &str,
        value: &T,
    ) -> Result<Option<Value>, SessionError> {
        let value = json::to_value(value).map_err(|source| SessionError::Value {
            key: key.to_owned(),
            source,
        })?;
        Ok(self.insert_value(key, value))
    }

    /// Stores a raw value under `key`, returning the previous value.
    ///
    /// ```
    /// let mut s = signed_cookie::session::Session::new();
    /// s.insert_value("b", signed_cookie::json::Value::Bytes(vec![0]));
    /// assert_eq!(s.len(), 1);
    /// ```
    pub fn insert_value(&mut self, key: &str, value: Value) -> Option<Value> {
        self.change();
        self.data.insert(key.into(), value)
    }

    /// Removes `key`; the session is modified only if the key was there (`dict.pop` on Flask's,
    /// Django's and Starlette's sessions).
    ///
    /// ```
    /// let mut s = signed_cookie::session::Session::new();
    /// assert_eq!(s.remove("x"), None);
    /// assert!(!s.modified());
    /// ```
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        if !self.accessed.get() {
            self.first_access_was_pop = true;
        }
        self.touch();
        let old = self.data.remove(key);
        if old.is_some() {
            self.modified = true;
        }
        old
    }

    /// Empties the session; always counts as a modification. Under Django's policy the session
    /// still has its key afterwards, so a cleared session is written back as `{}`; use
    /// [`flush`](Self::flush) to log out.
    ///
    /// ```
    /// let mut s = signed_cookie::session::Session::new();
    /// s.clear();
    /// assert!(s.modified() && s.is_empty());
    /// ```
    pub fn clear(&mut self) {
        self.change();
        self.data.clear();
    }

    /// Empties the session and drops its key (Django's `flush()`, what `logout()` calls): the
    /// cookie is deleted. Under Flask's and Starlette's policies this is the same as
    /// [`clear`](Self::clear).
    ///
    /// ```
    /// let mut s = signed_cookie::session::Session::new();
    /// s.insert("a", &1)?;
    /// s.flush();
    /// assert!(s.is_empty() && s.flushed());
    /// # Ok::<(), signed_cookie::session::SessionError>(())
    /// ```
    pub fn flush(&mut self) {
        self.clear();
        self.flushed = true;
    }

    /// True when `key` is present.
    ///
    /// ```
    /// assert!(!signed_cookie::session::Session::new().contains_key("a"));
    /// ```
    pub fn contains_key(&self, key: &str) -> bool {
        self.touch();
        self.data.contains_key(key)
    }

    /// Number of keys.
    ///
    /// ```
    /// assert_eq!(signed_cookie::session::Session::new().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.touch();
        self.data.len()
    }

    /// True when there is no data.
    ///
    /// ```
    /// assert!(signed_cookie::session::Session::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.touch();
        self.data.is_empty()
    }

    /// The keys, in insertion order.
    ///
    /// ```
    /// let mut s = signed_cookie::session::Session::new();
    /// s.insert("b", &1)?;
    /// s.insert("a", &2)?;
    /// assert_eq!(s.keys().collect::<Vec<_>>(), ["b", "a"]);
    /// # Ok::<(), signed_cookie::session::SessionError>(())
    /// ```
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.touch();
        self.data.keys().map(|k| k.as_str())
    }

    /// All the data.
    ///
    /// ```
    /// let s = signed_cookie::session::Session::new();
    /// assert!(s.data().is_empty());
    /// ```
    pub fn data(&self) -> &Map {
        self.touch();
        &self.data
    }

    /// The data without marking the session accessed (what the middleware serializes).
    pub(crate) fn data_untracked(&self) -> &Map {
        &self.data
    }

    /// Flask's `session.permanent`: the truthiness of the `"_permanent"` key. A permanent
    /// session gets an `Expires` attribute (and, by default, a fresh cookie on every response).
    ///
    /// ```
    /// let mut s = signed_cookie::session::Session::new();
    /// assert!(!s.permanent());
    /// s.set_permanent(true);
    /// assert!(s.permanent());
    /// ```
    pub fn permanent(&self) -> bool {
        self.get_value(PERMANENT_KEY).is_some_and(truthy)
    }

    /// Sets Flask's `session.permanent`; like Flask, this always stores the key, even `false`.
    ///
    /// ```
    /// let mut s = signed_cookie::session::Session::new();
    /// s.set_permanent(false);
    /// assert_eq!(s.get::<bool>("_permanent")?, Some(false));
    /// # Ok::<(), signed_cookie::session::SessionError>(())
    /// ```
    pub fn set_permanent(&mut self, permanent: bool) {
        self.insert_value(PERMANENT_KEY, Value::Bool(permanent));
    }

    /// Django's `set_expiry()` with seconds: `None` removes a custom expiry (the configured
    /// lifetime applies), `Some(0)` makes the cookie expire at browser close, other values set
    /// the cookie's `Max-Age`. Stored under `"_session_expiry"` as Django does; only Django's
    /// policy reads it.
    ///
    /// ```
    /// use std::time::Duration;
    /// let mut s = signed_cookie::session::Session::new();
    /// s.set_expiry(Some(Duration::from_secs(600)));
    /// assert_eq!(s.get::<u64>("_session_expiry")?, Some(600));
    /// s.set_expiry(None);
    /// assert!(!s.contains_key("_session_expiry"));
    /// # Ok::<(), signed_cookie::session::SessionError>(())
    /// ```
    pub fn set_expiry(&mut self, expiry: Option<Duration>) {
        match expiry {
            None => {
                self.remove(EXPIRY_KEY);
            }
            Some(d) => {
                self.insert_value(EXPIRY_KEY, Value::from(d.as_secs() as i64));
            }
        }
    }
}

/// Python's truthiness of a value (`bool(x)`).
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Int(i) => i.as_i64() != Some(0),
        Value::Float(f) => *f != 0.0,
        Value::Str(s) | Value::Markup(s) => !s.is_empty(),
        Value::List(l) | Value::Tuple(l) => !l.is_empty(),
        Value::Dict(d) => !d.is_empty(),
        Value::Bytes(b) => !b.is_empty(),
        Value::Uuid(_) | Value::DateTime(_) => true,
    }
}

/// A [`Session`] shared between a request handler and the middleware that loaded it.
///
/// Adapters put one in the request and read it back when the response goes out. Each method
/// locks for the duration of the call; [`lock`](Self::lock) gives the whole session.
///
/// ```
/// use signed_cookie::session::{Session, SharedSession};
/// let shared = SharedSession::new(Session::new());
/// let handle = shared.clone();
/// handle.insert("visits", &1)?;
/// assert_eq!(shared.get::<i64>("visits")?, Some(1));
/// assert!(shared.lock().modified());
/// # Ok::<(), signed_cookie::session::SessionError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct SharedSession(Arc<Mutex<Session>>);

impl SharedSession {
    /// Shares `session`.
    ///
    /// ```
    /// let s = signed_cookie::session::SharedSession::new(Default::default());
    /// assert!(s.lock().is_empty());
    /// ```
    pub fn new(session: Session) -> Self {
        SharedSession(Arc::new(Mutex::new(session)))
    }

    /// The session. A handler that panicked while holding it does not poison it: the data is
    /// plain values, always consistent.
    ///
    /// ```
    /// let s = signed_cookie::session::SharedSession::default();
    /// s.lock().set_permanent(true);
    /// assert!(s.lock().permanent());
    /// ```
    pub fn lock(&self) -> MutexGuard<'_, Session> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// [`Session::get`].
    ///
    /// ```
    /// let s = signed_cookie::session::SharedSession::default();
    /// assert_eq!(s.get::<String>("user_id")?, None);
    /// # Ok::<(), signed_cookie::session::SessionError>(())
    /// ```
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, SessionError> {
        self.lock().get(key)
    }

    /// [`Session::insert`].
    ///
    /// ```
    /// let s = signed_cookie::session::SharedSession::default();
    /// s.insert("user_id", "alice")?;
    /// # Ok::<(), signed_cookie::session::SessionError>(())
    /// ```
    pub fn insert<T: Serialize + ?Sized>(
        &self,
        key: &str,
        value: &T,
    ) -> Result<Option<Value>, SessionError> {
        self.lock().insert(key, value)
    }

    /// [`Session::remove`].
    ///
    /// ```
    /// let s = signed_cookie::session::SharedSession::default();
    /// assert_eq!(s.remove("x"), None);
    /// ```
    pub fn remove(&self, key: &str) -> Option<Value> {
        self.lock().remove(key)
    }

    /// [`Session::clear`].
    ///
    /// ```
    /// let s = signed_cookie::session::SharedSession::default();
    /// s.clear();
    /// assert!(s.lock().modified());
    /// ```
    pub fn clear(&self) {
        self.lock().clear()
    }

    /// [`Session::flush`].
    ///
    /// ```
    /// let s = signed_cookie::session::SharedSession::default();
    /// s.flush();
    /// assert!(s.lock().flushed());
    /// ```
    pub fn flush(&self) {
        self.lock().flush()
    }
}
