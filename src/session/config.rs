//! The session cookie's attributes and the settings that decide when it is written.

use std::time::Duration;

pub use cookie::SameSite;

const DAY: u64 = 86_400;

/// What to do when a `Set-Cookie` header would pass the size limit.
///
/// ```
/// use signed_cookie::session::SizeAction;
/// assert_ne!(SizeAction::Warn, SizeAction::Refuse);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeAction {
    /// Send it and report a [`SessionWarning::CookieTooLarge`](super::SessionWarning) (what
    /// Werkzeug does: browsers may silently drop it).
    Warn,
    /// Do not send it: [`SessionManager::finish`](super::SessionManager::finish) fails with
    /// [`SessionError::CookieTooLarge`](super::SessionError::CookieTooLarge) and the adapters
    /// answer 500 instead of losing the session silently.
    Refuse,
}

/// The browser's cookie size limit and what to do past it.
///
/// ```
/// let limit = signed_cookie::session::SizeLimit::default();
/// assert_eq!(limit.max_header_len, 4093); // Flask's MAX_COOKIE_SIZE
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeLimit {
    /// Longest `Set-Cookie` value (`name=value; attributes`) accepted, in bytes; Werkzeug
    /// measures the same string. `0` disables the check.
    pub max_header_len: usize,
    /// What happens past it.
    pub action: SizeAction,
}

impl Default for SizeLimit {
    fn default() -> Self {
        SizeLimit {
            max_header_len: 4093,
            action: SizeAction::Warn,
        }
    }
}

/// The session cookie and the settings that decide when it is written.
///
/// Start from the framework whose cookie you share ([`flask`](Self::flask),
/// [`django`](Self::django), [`starlette`](Self::starlette): each with that framework's defaults)
/// and change what the Python app's settings change.
///
/// ```
/// use signed_cookie::session::{CookieConfig, SameSite};
/// use std::time::Duration;
/// // Flask with SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=True and
/// // PERMANENT_SESSION_LIFETIME=1 day.
/// let config = CookieConfig {
///     same_site: Some(SameSite::Lax),
///     secure: true,
///     lifetime: Some(Duration::from_secs(86_400)),
///     ..CookieConfig::flask()
/// };
/// assert_eq!(config.name, "session");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieConfig {
    /// Cookie name (`SESSION_COOKIE_NAME`).
    pub name: String,
    /// `Domain` attribute (`SESSION_COOKIE_DOMAIN`).
    pub domain: Option<String>,
    /// `Path` attribute (`SESSION_COOKIE_PATH`).
    pub path: String,
    /// `Secure` (`SESSION_COOKIE_SECURE`, Starlette's `https_only`).
    pub secure: bool,
    /// `HttpOnly` (`SESSION_COOKIE_HTTPONLY`).
    pub http_only: bool,
    /// `SameSite` (`SESSION_COOKIE_SAMESITE`); `None` leaves the attribute out.
    pub same_site: Option<SameSite>,
    /// `Partitioned` (Flask 3.1's `SESSION_COOKIE_PARTITIONED`); implies `Secure`, as in
    /// Werkzeug and browsers.
    pub partitioned: bool,
    /// How long a cookie is valid: the max age checked when loading, and the cookie's expiry
    /// (Flask's `PERMANENT_SESSION_LIFETIME`, Django's `SESSION_COOKIE_AGE`, Starlette's
    /// `max_age`). `None`: no age check and browser-session cookies.
    pub lifetime: Option<Duration>,
    /// Flask's `SESSION_REFRESH_EACH_REQUEST`: re-sign a *permanent* session on every response.
    pub refresh_each_request: bool,
    /// Django's `SESSION_SAVE_EVERY_REQUEST`: re-sign a non-empty session on every response.
    pub save_every_request: bool,
    /// Django's `SESSION_EXPIRE_AT_BROWSER_CLOSE`: no `Max-Age`/`Expires` unless the session
    /// sets its own expiry. (Flask decides this per session with
    /// [`Session::permanent`](super::Session::permanent).)
    pub expire_at_browser_close: bool,
    /// Re-sign, with the current key, a cookie that only a fallback key (or a legacy algorithm)
    /// verified, even when nothing else would write it — so a key rotation completes without
    /// waiting for sessions to change. Not something the Python frameworks do; on by default.
    pub resign_fallback: bool,
    /// The size limit.
    pub size_limit: SizeLimit,
}

impl CookieConfig {
    /// Flask 3.1's defaults: `session`, path `/`, `HttpOnly`, no `SameSite`, 31 days, refresh
    /// each request.
    ///
    /// ```
    /// let c = signed_cookie::session::CookieConfig::flask();
    /// assert!(c.refresh_each_request && c.same_site.is_none());
    /// ```
    pub fn flask() -> Self {
        CookieConfig {
            name: "session".to_owned(),
            domain: None,
            path: "/".to_owned(),
            secure: false,
            http_only: true,
            same_site: None,
            partitioned: false,
            lifetime: Some(Duration::from_secs(31 * DAY)),
            refresh_each_request: true,
            save_every_request: false,
            expire_at_browser_close: false,
            resign_fallback: true,
            size_limit: SizeLimit::default(),
        }
    }

    /// Django's defaults: `sessionid`, path `/`, `HttpOnly`, `SameSite=Lax`, 14 days.
    ///
    /// ```
    /// let c = signed_cookie::session::CookieConfig::django();
    /// assert_eq!(c.name, "sessionid");
    /// ```
    pub fn django() -> Self {
        CookieConfig {
            name: "sessionid".to_owned(),
            same_site: Some(SameSite::Lax),
            lifetime: Some(Duration::from_secs(14 * DAY)),
            refresh_each_request: false,
            ..Self::flask()
        }
    }

    /// Starlette's `SessionMiddleware` defaults: `session`, path `/`, `HttpOnly`,
    /// `SameSite=Lax`, 14 days.
    ///
    /// ```
    /// let c = signed_cookie::session::CookieConfig::starlette();
    /// assert_eq!(c.lifetime, Some(std::time::Duration::from_secs(14 * 86_400)));
    /// ```
    pub fn starlette() -> Self {
        CookieConfig {
            same_site: Some(SameSite::Lax),
            lifetime: Some(Duration::from_secs(14 * DAY)),
            refresh_each_request: false,
            ..Self::flask()
        }
    }
}
