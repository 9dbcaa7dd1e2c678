//! Both ends of a request: load the session from the cookie, then turn the decision into a
//! `Set-Cookie` header (built by the `cookie` crate) and `Vary: Cookie`.

use super::config::{CookieConfig, SizeAction};
use super::policy::{Action, Decision, DecisionInput, Incoming, Policy};
use super::{truthy, Session, EXPIRY_KEY, PERMANENT_KEY};
use crate::error::{ConfigError, Error, ErrorKind, PayloadFault};
use crate::json::{self, Map, Value};
use crate::profile::Profile;
use crate::serializer::Serializer;
use crate::signer::Keys;
use cookie::time::OffsetDateTime;
use cookie::Cookie;
use std::time::{SystemTime, UNIX_EPOCH};

/// Errors of loading, using and saving a session.
///
/// ```
/// use signed_cookie::session::{Policy, SessionError, SessionManager};
/// let flask = SessionManager::new(Policy::Flask, "k")?;
/// // A validly signed cookie that is not a dict: Flask fails the request with a 500.
/// let not_a_dict = flask.serializer().dumps(&[1, 2])?;
/// let err = flask.load(Some(&not_a_dict), std::time::SystemTime::now()).unwrap_err();
/// assert!(matches!(err, SessionError::BadPayload(_)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The cookie is validly signed but its payload does not load as a session (a dict). Flask
    /// and Starlette fail the request (500); the adapters answer 500 too.
    #[error("the session cookie is validly signed but does not load: {0}")]
    BadPayload(#[source] Error),
    /// A session value could not be converted to or from the requested type.
    #[error("session key {key:?}: {source}")]
    Value {
        /// The key.
        key: String,
        /// What went wrong.
        #[source]
        source: json::Error,
    },
    /// The session could not be signed (a value the framework's JSON cannot carry).
    #[error("cannot sign the session: {0}")]
    Sign(#[source] Error),
    /// The cookie would pass the size limit and [`SizeAction::Refuse`] is configured.
    #[error(
        "the {name:?} cookie is too large: {header_len} bytes, the limit is {limit}; \
         it was not sent"
    )]
    CookieTooLarge {
        /// Cookie name.
        name: String,
        /// Length of the whole `Set-Cookie` value.
        header_len: usize,
        /// The limit.
        limit: usize,
    },
    /// The profile or keys do not fit together.
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// Something worth telling the developer that did not stop the response.
///
/// ```
/// use signed_cookie::session::SessionWarning;
/// let w = SessionWarning::CookieTooLarge {
///     name: "session".into(), value_len: 4000, header_len: 4100, limit: 4093,
/// };
/// assert!(w.to_string().starts_with("The 'session' cookie is too large"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionWarning {
    /// The cookie passed the size limit and was sent anyway ([`SizeAction::Warn`]); browsers
    /// may silently ignore it.
    CookieTooLarge {
        /// Cookie name.
        name: String,
        /// Length of the value.
        value_len: usize,
        /// Length of the whole `Set-Cookie` value.
        header_len: usize,
        /// The limit.
        limit: usize,
    },
}

impl std::fmt::Display for SessionWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // Werkzeug's wording.
            SessionWarning::CookieTooLarge {
                name,
                value_len,
                header_len,
                limit,
            } => write!(
                f,
                "The '{name}' cookie is too large: the value was {value_len} bytes but the \
                 header required {} extra bytes. The final size was {header_len} bytes but the \
                 limit is {limit} bytes. Browsers may silently ignore cookies larger than this.",
                header_len.saturating_sub(*value_len)
            ),
        }
    }
}

/// What to do to the response.
///
/// ```
/// use signed_cookie::session::{Action, Policy, SessionManager};
/// let m = SessionManager::new(Policy::Django52, "k")?;
/// let mut s = m.load(None, std::time::SystemTime::now())?;
/// s.insert("n", &1)?;
/// let out = m.finish(&s, 200, std::time::SystemTime::now())?;
/// assert!(matches!(out.decision.action, Action::Set(_)));
/// assert!(out.set_cookie_header().unwrap().contains("Max-Age=1209600"));
/// # Ok::<(), signed_cookie::session::SessionError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The decision taken.
    pub decision: Decision,
    /// The cookie to set (a deleting one for [`Action::Delete`]).
    pub set_cookie: Option<Cookie<'static>>,
    /// Warnings for the developer's log.
    pub warnings: Vec<SessionWarning>,
}

impl Outcome {
    /// The `Set-Cookie` header value, if any.
    ///
    /// ```
    /// use signed_cookie::session::{Policy, SessionManager};
    /// let m = SessionManager::new(Policy::Flask, "k")?;
    /// let s = m.load(None, std::time::SystemTime::now())?;
    /// assert_eq!(m.finish(&s, 200, std::time::SystemTime::now())?.set_cookie_header(), None);
    /// # Ok::<(), signed_cookie::session::SessionError>(())
    /// ```
    pub fn set_cookie_header(&self) -> Option<String> {
        self.set_cookie.as_ref().map(Cookie::to_string)
    }

    /// Whether to add `Vary: Cookie` (see [`vary_has_cookie`] to avoid adding it twice).
    ///
    /// ```
    /// use signed_cookie::session::{Policy, SessionManager};
    /// let m = SessionManager::new(Policy::Flask, "k")?;
    /// let s = m.load(None, std::time::SystemTime::now())?;
    /// let _ = s.get::<String>("user_id")?;
    /// assert!(m.finish(&s, 200, std::time::SystemTime::now())?.vary_cookie());
    /// # Ok::<(), signed_cookie::session::SessionError>(())
    /// ```
    pub fn vary_cookie(&self) -> bool {
        self.decision.vary_cookie
    }
}

/// True when `Vary` header values already cover `Cookie` (`Cookie` in any case, or `*`).
///
/// ```
/// use signed_cookie::session::vary_has_cookie;
/// assert!(vary_has_cookie(["Accept-Encoding, cookie"]));
/// assert!(vary_has_cookie(["*"]));
/// assert!(!vary_has_cookie(["Accept-Encoding", "Cookies"]));
/// ```
pub fn vary_has_cookie<'a>(vary_values: impl IntoIterator<Item = &'a str>) -> bool {
    vary_values.into_iter().any(|value| {
        value
            .split(',')
            .map(str::trim)
            .any(|token| token == "*" || token.eq_ignore_ascii_case("cookie"))
    })
}

/// The value of the cookie `name` in a request's `Cookie` headers; when the name repeats,
/// the first one (`first_wins`, as Werkzeug) or the last (as Django and Starlette). Surrounding
/// double quotes are removed, as the frameworks' parsers do.
///
/// ```
/// use signed_cookie::session::cookie_value;
/// let headers = ["theme=dark; session=abc", "session=def"];
/// assert_eq!(cookie_value(headers, "session", true), Some("abc"));
/// assert_eq!(cookie_value(headers, "session", false), Some("def"));
/// assert_eq!(cookie_value(["a=\"q\""], "a", true), Some("q"));
/// assert_eq!(cookie_value(["a=1"], "session", true), None);
/// ```
pub fn cookie_value<'a>(
    cookie_headers: impl IntoIterator<Item = &'a str>,
    name: &str,
    first_wins: bool,
) -> Option<&'a str> {
    let mut found = None;
    for header in cookie_headers {
        for cookie in Cookie::split_parse(header).flatten() {
            if cookie.name_raw().map(str::trim) != Some(name) {
                continue;
            }
            let Some(value) = cookie.value_raw() else {
                continue;
            };
            let value = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(value);
            if first_wins {
                return Some(value);
            }
            found = Some(value);
        }
    }
    found
}

/// One framework's session cookie: its serializer, its middleware's rules and the cookie
/// settings. Shared by every request (cheap to clone).
///
/// ```
/// use signed_cookie::session::{CookieConfig, Policy, SessionManager};
/// let django = SessionManager::new(Policy::Django42, "django-secret")?
///     .with_config(CookieConfig { save_every_request: true, ..CookieConfig::django() });
/// assert!(django.config().save_every_request);
/// # Ok::<(), signed_cookie::session::SessionError>(())
/// ```
#[derive(Debug, Clone)]
pub struct SessionManager {
    policy: Policy,
    serializer: Serializer,
    config: CookieConfig,
}

impl SessionManager {
    /// The framework's own cookie format ([`Policy::profile`]) and default settings
    /// ([`Policy::config`]) under `keys`.
    ///
    /// Keys follow [`Keys`]: the current one signs, fallbacks are tried in the order given.
    /// Starlette has no key rotation, so fallback keys are refused unless a profile with
    /// `key_rotation` is passed to [`with_profile`](Self::with_profile).
    ///
    /// ```
    /// use signed_cookie::session::{Policy, SessionManager};
    /// assert!(SessionManager::new(Policy::Flask, signed_cookie::Keys::new("a").with_fallbacks(["b"])).is_ok());
    /// assert!(SessionManager::new(Policy::Starlette, signed_cookie::Keys::new("a").with_fallbacks(["b"])).is_err());
    /// ```
    pub fn new(policy: Policy, keys: impl Into<Keys>) -> Result<Self, SessionError> {
        Self::with_profile(policy, &policy.profile(), keys)
    }

    /// A cookie format of your choice (another version's profile, a custom salt) with the
    /// policy's rules and default settings.
    ///
    /// ```
    /// use signed_cookie::profile::Profile;
    /// use signed_cookie::session::{Policy, SessionManager};
    /// let flask11 = Profile::lookup("flask", Some("flask-1.1")).unwrap();
    /// let m = SessionManager::with_profile(Policy::Flask, &flask11, "k")?;
    /// assert_eq!(m.policy(), Policy::Flask);
    /// # Ok::<(), signed_cookie::session::SessionError>(())
    /// ```
    pub fn with_profile(
        policy: Policy,
        profile: &Profile,
        keys: impl Into<Keys>,
    ) -> Result<Self, SessionError> {
        Ok(SessionManager {
            policy,
            serializer: profile.serializer(keys)?,
            config: policy.config(),
        })
    }

    /// Replaces the cookie settings.
    ///
    /// ```
    /// use signed_cookie::session::{CookieConfig, Policy, SessionManager};
    /// let m = SessionManager::new(Policy::Flask, "k")?
    ///     .with_config(CookieConfig { name: "sid".into(), ..CookieConfig::flask() });
    /// assert_eq!(m.config().name, "sid");
    /// # Ok::<(), signed_cookie::session::SessionError>(())
    /// ```
    pub fn with_config(mut self, config: CookieConfig) -> Self {
        self.config = config;
        self
    }

    /// The policy.
    ///
    /// ```
    /// use signed_cookie::session::{Policy, SessionManager};
    /// assert_eq!(SessionManager::new(Policy::Starlette, "k")?.policy(), Policy::Starlette);
    /// # Ok::<(), signed_cookie::session::SessionError>(())
    /// ```
    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// The cookie settings.
    ///
    /// ```
    /// use signed_cookie::session::{Policy, SessionManager};
    /// assert_eq!(SessionManager::new(Policy::Django52, "k")?.config().name, "sessionid");
    /// # Ok::<(), signed_cookie::session::SessionError>(())
    /// ```
    pub fn config(&self) -> &CookieConfig {
        &self.config
    }

    /// The serializer that signs and verifies the cookie.
    ///
    /// ```
    /// use signed_cookie::session::{Policy, SessionManager};
    /// let m = SessionManager::new(Policy::Flask, "k")?;
    /// assert!(m.serializer().signer().is_timed());
    /// # Ok::<(), signed_cookie::session::SessionError>(())
    /// ```
    pub fn serializer(&self) -> &Serializer {
        &self.serializer
    }

    /// The session cookie's value among a request's `Cookie` header values (see
    /// [`cookie_value`]; which duplicate wins follows the policy).
    ///
    /// ```
    /// use signed_cookie::session::{Policy, SessionManager};
    /// let m = SessionManager::new(Policy::Django52, "k")?;
    /// assert_eq!(m.cookie_in(["sessionid=a; sessionid=b"]), Some("b"));
    /// # Ok::<(), signed_cookie::session::SessionError>(())
    /// ```
    pub fn cookie_in<'a>(
        &self,
        cookie_headers: impl IntoIterator<Item = &'a str>,
    ) -> Option<&'a str> {
        cookie_value(
            cookie_headers,
            &self.config.name,
            self.policy.first_cookie_wins(),
        )
    }

    /// Loads the session from the request's cookie value (`None`: no such cookie), as of
    /// `now`, with [`CookieConfig::lifetime`] as the max age.
    ///
    /// A cookie that does not verify or has expired gives an empty session, silently, as in
    /// every framework. Under Django's policies a value shorter than 8 characters counts as
    /// [`Incoming::Blank`]: Django does not take it as a session key at all. A validly signed cookie that does not load as a dict is
    /// [`SessionError::BadPayload`] under Flask's and Starlette's policies (they answer 500);
    /// Django's backend swallows every load error, and so does its policy here.
    ///
    /// ```
    /// use signed_cookie::session::{Incoming, Policy, SessionManager};
    /// let m = SessionManager::new(Policy::Flask, "k")?;
    /// let now = std::time::SystemTime::now();
    /// let s = m.load(Some("forged.cookie.value"), now)?;
    /// assert!(s.data().is_empty());
    /// assert_eq!(s.incoming(), Incoming::Invalid);
    /// # Ok::<(), signed_cookie::session::SessionError>(())
    /// ```
    pub fn load(&self, cookie: Option<&str>, now: SystemTime) -> Result<Session, SessionError> {
        let value = match cookie {
            None => return Ok(Session::loaded(Map::new(), Incoming::Absent)),
            Some("") => return Ok(Session::loaded(Map::new(), Incoming::Blank)),
            // Django's `_validate_session_key`: a key shorter than 8 characters is no key.
            Some(v) if self.policy.is_django() && v.chars().count() < 8 => {
                return Ok(Session::loaded(Map::new(), Incoming::Blank))
            }
            Some(value) => value,
        };
        let invalid = || Ok(Session::loaded(Map::new(), Incoming::Invalid));
        match self
            .serializer
            .loads_value_at(value, self.config.lifetime, now)
        {
            Ok(loaded) => match loaded.value {
                Value::Dict(data) => Ok(Session::loaded(
                    data,
                    Incoming::Valid {
                        by_fallback: loaded.verified_by.is_fallback(),
                    },
                )),
                _ if self.policy.is_django() => invalid(),
                other => Err(SessionError::BadPayload(Error::BadPayload(
                    PayloadFault::Shape(format!(
                        "the session is a {}, not a dict",
                        other.type_name()
                    )),
                ))),
            },
            Err(err) => match err.kind() {
                ErrorKind::BadSignature
                | ErrorKind::BadTimeSignature
                | ErrorKind::SignatureExpired => invalid(),
                _ if self.policy.is_django() => invalid(),
                _ => Err(SessionError::BadPayload(err)),
            },
        }
    }

    /// [`load`](Self::load) from a request's `Cookie` header values.
    ///
    /// ```
    /// use signed_cookie::session::{Incoming, Policy, SessionManager};
    /// let m = SessionManager::new(Policy::Flask, "k")?;
    /// let s = m.load_from_headers(["theme=dark"], std::time::SystemTime::now())?;
    /// assert_eq!(s.incoming(), Incoming::Absent);
    /// # Ok::<(), signed_cookie::session::SessionError>(())
    /// ```
    pub fn load_from_headers<'a>(
        &self,
        cookie_headers: impl IntoIterator<Item = &'a str>,
        now: SystemTime,
    ) -> Result<Session, SessionError> {
        self.load(self.cookie_in(cookie_headers), now)
    }

    /// What the input to the decision is for `session` and a response `status`.
    ///
    /// ```
    /// use signed_cookie::session::{Policy, SessionManager};
    /// let m = SessionManager::new(Policy::Flask, "k")?;
    /// let mut s = m.load(None, std::time::SystemTime::now())?;
    /// s.set_permanent(true);
    /// let input = m.decision_input(&s, 404);
    /// assert!(input.permanent && input.modified && input.status == 404);
    /// # Ok::<(), signed_cookie::session::SessionError>(())
    /// ```
    pub fn decision_input(&self, session: &Session, status: u16) -> DecisionInput {
        let data = session.data_untracked();
        DecisionInput {
            status,
            accessed: session.accessed(),
            modified: session.modified(),
            data_empty: data.is_empty(),
            permanent: data.get(PERMANENT_KEY).is_some_and(truthy),
            flushed: session.flushed(),
            first_access_was_pop: session.first_access_was_pop(),
            incoming: session.incoming(),
        }
    }

    /// The response-time decision for `session` and the response `status`, and the cookie it
    /// needs, as of `now`.
    ///
    /// ```
    /// use signed_cookie::session::{Action, Policy, SessionManager};
    /// let m = SessionManager::new(Policy::Flask, "k")?;
    /// let now = std::time::SystemTime::now();
    /// let mut s = m.load(None, now)?;
    /// s.clear(); // Flask deletes the cookie of a session modified to be empty
    /// let out = m.finish(&s, 200, now)?;
    /// assert_eq!(out.decision.action, Action::Delete);
    /// assert_eq!(
    ///     out.set_cookie_header().unwrap(),
    ///     "session=; HttpOnly; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
    /// );
    /// # Ok::<(), signed_cookie::session::SessionError>(())
    /// ```
    pub fn finish(
        &self,
        session: &Session,
        status: u16,
        now: SystemTime,
    ) -> Result<Outcome, SessionError> {
        let input = self.decision_input(session, status);
        let decision = self.policy.decide(&input, &self.config);
        let mut warnings = Vec::new();
        let set_cookie = match decision.action {
            Action::Keep | Action::Withheld(_) => None,
            Action::Delete => Some(self.deleting_cookie()),
            Action::Set(_) => {
                let data = session.data_untracked();
                let value = self
                    .serializer
                    .dumps_value_at(&Value::Dict(data.clone()), now)
                    .map_err(SessionError::Sign)?;
                let (max_age, expires) = self.expiry(data, input.permanent, now);
                let mut builder = self.base_cookie(value);
                if let Some(seconds) = max_age {
                    builder = builder.max_age(cookie::time::Duration::seconds(seconds));
                }
                if let Some(at) = expires {
                    builder = builder.expires(at);
                }
                let cookie = builder.build();
                self.check_size(&cookie, &mut warnings)?;
                Some(cookie)
            }
        };
        Ok(Outcome {
            decision,
            set_cookie,
            warnings,
        })
    }

    fn check_size(
        &self,
        cookie: &Cookie<'static>,
        warnings: &mut Vec<SessionWarning>,
    ) -> Result<(), SessionError> {
        let limit = self.config.size_limit.max_header_len;
        let header_len = cookie.to_string().len();
        if limit == 0 || header_len <= limit {
            return Ok(());
        }
        match self.config.size_limit.action {
            SizeAction::Warn => {
                warnings.push(SessionWarning::CookieTooLarge {
                    name: self.config.name.clone(),
                    value_len: cookie.value().len(),
                    header_len,
                    limit,
                });
                Ok(())
            }
            SizeAction::Refuse => Err(SessionError::CookieTooLarge {
                name: self.config.name.clone(),
                header_len,
                limit,
            }),
        }
    }

    /// The attributes every policy writes the same way.
    fn base_cookie(&self, value: String) -> cookie::CookieBuilder<'static> {
        let c = &self.config;
        let mut builder = Cookie::build((c.name.clone(), value))
            .path(c.path.clone())
            .http_only(c.http_only)
            // Browsers refuse Partitioned without Secure; Werkzeug forces it too.
            .secure(c.secure || c.partitioned);
        if c.partitioned {
            builder = builder.partitioned(true);
        }
        if let Some(domain) = &c.domain {
            builder = builder.domain(domain.clone());
        }
        if let Some(same_site) = c.same_site {
            builder = builder.same_site(same_site);
        }
        builder
    }

    /// The cookie each framework sends to delete the session cookie.
    fn deleting_cookie(&self) -> Cookie<'static> {
        let c = &self.config;
        let epoch = OffsetDateTime::UNIX_EPOCH;
        match self.policy {
            // Werkzeug's delete_cookie: `Expires` at the epoch, `Max-Age=0`, the same flags.
            Policy::Flask => self
                .base_cookie(String::new())
                .max_age(cookie::time::Duration::ZERO)
                .expires(epoch)
                .build(),
            // Starlette writes the value `null` and only `expires`.
            Policy::Starlette => self.base_cookie("null".to_owned()).expires(epoch).build(),
            // Django's delete_cookie: path, domain and SameSite only; Secure for prefixed names
            // (and, from 3.x, with SameSite=None); never HttpOnly.
            django => {
                let prefixed = c.name.starts_with("__Secure-") || c.name.starts_with("__Host-");
                let none =
                    django != Policy::Django22 && c.same_site == Some(cookie::SameSite::None);
                let mut builder = Cookie::build((c.name.clone(), String::new()))
                    .path(c.path.clone())
                    .secure(prefixed || none)
                    .max_age(cookie::time::Duration::ZERO)
                    .expires(epoch);
                if let Some(domain) = &c.domain {
                    builder = builder.domain(domain.clone());
                }
                if let Some(same_site) = c.same_site {
                    builder = builder.same_site(same_site);
                }
                builder.build()
            }
        }
    }

    /// `(Max-Age seconds, Expires)` of a cookie being set.
    fn expiry(
        &self,
        data: &Map,
        permanent: bool,
        now: SystemTime,
    ) -> (Option<i64>, Option<OffsetDateTime>) {
        let lifetime = self.config.lifetime;
        match self.policy {
            // Flask: `Expires` only, and only for permanent sessions.
            Policy::Flask => (
                None,
                lifetime
                    .filter(|_| permanent)
                    .map(|l| http_time(now, l.as_secs() as i64)),
            ),
            // Starlette: `Max-Age` only.
            Policy::Starlette => (lifetime.map(|l| l.as_secs() as i64), None),
            _ => match django_expiry_age(data, &self.config, now) {
                Some(age) => (Some(age), Some(http_time(now, age))),
                None => (None, None),
            },
        }
    }
}

/// `now + seconds`, whole seconds (HTTP dates have no fractions).
fn http_time(now: SystemTime, seconds: i64) -> OffsetDateTime {
    let base = unix_seconds(now);
    OffsetDateTime::from_unix_timestamp(base.saturating_add(seconds).clamp(0, 253_402_300_799))
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn unix_seconds(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    }
}

/// Django's `get_expire_at_browser_close()` / `get_expiry_age()`: `None` when the cookie
/// expires at browser close, else its `Max-Age`.
fn django_expiry_age(data: &Map, config: &CookieConfig, now: SystemTime) -> Option<i64> {
    let default_age = || config.lifetime.map(|l| l.as_secs() as i64);
    let expiry = match data.get(EXPIRY_KEY) {
        None | Some(Value::Null) => {
            return if config.expire_at_browser_close {
                None
            } else {
                default_age()
            };
        }
        Some(v) => v,
    };
    // `expiry == 0` (so also 0.0 and False) means browser close; any other falsy value uses
    // SESSION_COOKIE_AGE.
    let is_zero = match expiry {
        Value::Int(i) => i.as_i64() == Some(0),
        Value::Float(f) => *f == 0.0,
        Value::Bool(b) => !b,
        _ => false,
    };
    if is_zero {
        return None;
    }
    if !truthy(expiry) {
        return default_age();
    }
    match expiry {
        Value::Int(i) => i.as_i64().or_else(default_age),
        Value::Bool(_) => Some(1),
        // Python floats pass through `get_expiry_age` and `int(max_age)` truncates them.
        Value::Float(f) if f.is_finite() => Some(f.trunc() as i64),
        // Django ≥ 4.1 stores `set_expiry(datetime)` as an ISO string.
        Value::Str(s) => parse_iso_datetime(s)
            .map(|at| at - unix_seconds(now))
            .or_else(default_age),
        _ => default_age(),
    }
}

/// `datetime.fromisoformat` for what Django writes: `YYYY-MM-DDTHH:MM:SS[.ffffff][±HH:MM]`
/// (a naive time is taken as UTC). Unix seconds, rounded down.
fn parse_iso_datetime(s: &str) -> Option<i64> {
    use cookie::time::format_description::well_known::Iso8601;
    use cookie::time::PrimitiveDateTime;
    OffsetDateTime::parse(s, &Iso8601::DEFAULT)
        .or_else(|_| PrimitiveDateTime::parse(s, &Iso8601::DEFAULT).map(|p| p.assume_utc()))
        .ok()
        .map(OffsetDateTime::unix_timestamp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn iso_datetimes_as_django_writes_them() {
        assert_eq!(parse_iso_datetime("1970-01-01T00:01:00+00:00"), Some(60));
        assert_eq!(
            parse_iso_datetime("1970-01-01T01:00:00.500000+01:00"),
            Some(0)
        );
        assert_eq!(parse_iso_datetime("1970-01-01T00:00:10"), Some(10));
        assert_eq!(parse_iso_datetime("yesterday"), None);
    }

    #[test]
    fn django_expiry_branches() {
        let config = CookieConfig::django();
        let now = UNIX_EPOCH + Duration::from_secs(1_000);
        let with = |v: Value| {
            let mut m = Map::new();
            m.insert(EXPIRY_KEY.into(), v);
            django_expiry_age(&m, &config, now)
        };
        assert_eq!(
            django_expiry_age(&Map::new(), &config, now),
            Some(1_209_600)
        );
        assert_eq!(with(Value::from(0i64)), None);
        assert_eq!(with(Value::from(300i64)), Some(300));
        assert_eq!(with(Value::Null), Some(1_209_600));
        assert_eq!(with(Value::from("")), Some(1_209_600));
        assert_eq!(with(Value::from("1970-01-01T00:20:00+00:00")), Some(200));
        let closing = CookieConfig {
            expire_at_browser_close: true,
            ..CookieConfig::django()
        };
        assert_eq!(django_expiry_age(&Map::new(), &closing, now), None);
        let mut m = Map::new();
        m.insert(EXPIRY_KEY.into(), Value::from(60i64));
        assert_eq!(django_expiry_age(&m, &closing, now), Some(60));
    }
}
