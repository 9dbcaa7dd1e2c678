//! The decision each framework's middleware takes when the response goes out.

use super::config::CookieConfig;
use crate::profile::{Compat, Profile};

/// Which framework's session middleware to behave as.
///
/// ```
/// use signed_cookie::session::Policy;
/// assert_eq!(Policy::Django42.profile().compat.name(), "django-4.2");
/// assert_eq!(Policy::Flask.config().name, "session");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Policy {
    /// Flask 3.1 (`SecureCookieSessionInterface.save_session`): saves on error responses too.
    Flask,
    /// Django 2.2: skips saving on a 500 (other 5xx save); deleting adds no `Vary`; the deleting
    /// cookie is `Secure` only for `__Secure-`/`__Host-` names.
    Django22,
    /// Django 3.2: skips saving on a 500; deleting adds `Vary: Cookie` and is also `Secure`
    /// with `SameSite=None`.
    Django32,
    /// Django 4.2: as 3.2, but skips saving on every 5xx.
    Django42,
    /// Django 5.2: as 4.2, and also adds `Vary: Cookie` whenever the cookie is set.
    Django52,
    /// Starlette 1.10 `SessionMiddleware`.
    Starlette,
}

/// What the request brought under the session cookie's name.
///
/// ```
/// use signed_cookie::session::Incoming;
/// assert_eq!(Incoming::default(), Incoming::Absent);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Incoming {
    /// No cookie of that name.
    #[default]
    Absent,
    /// The cookie is there but carries no session key: its value is empty (or, under Django's
    /// policies, shorter than 8 characters, which Django's `_validate_session_key` rejects).
    Blank,
    /// The cookie did not verify, expired, or (Django) did not load.
    Invalid,
    /// The cookie verified and loaded.
    Valid {
        /// Only a fallback key or a legacy algorithm verified it.
        by_fallback: bool,
    },
}

/// Everything the response-time decision looks at.
///
/// ```
/// use signed_cookie::session::{DecisionInput, Incoming};
/// let input = DecisionInput { modified: true, data_empty: false, ..DecisionInput::default() };
/// assert_eq!(input.incoming, Incoming::Absent);
/// assert_eq!(input.status, 200);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecisionInput {
    /// The response status.
    pub status: u16,
    /// The session was read or written.
    pub accessed: bool,
    /// The session's top-level data changed.
    pub modified: bool,
    /// The session holds no data.
    pub data_empty: bool,
    /// Flask's `session.permanent`.
    pub permanent: bool,
    /// Django's `flush()` was called (the session lost its key).
    pub flushed: bool,
    /// The first access to the session was removing a key (see
    /// [`Session::first_access_was_pop`](super::Session::first_access_was_pop)).
    pub first_access_was_pop: bool,
    /// What the request carried.
    pub incoming: Incoming,
}

impl Default for DecisionInput {
    fn default() -> Self {
        DecisionInput {
            status: 200,
            accessed: false,
            modified: false,
            data_empty: true,
            permanent: false,
            flushed: false,
            first_access_was_pop: false,
            incoming: Incoming::Absent,
        }
    }
}

/// Why the cookie is written.
///
/// ```
/// assert_ne!(signed_cookie::session::SetReason::Modified, signed_cookie::session::SetReason::Rotation);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetReason {
    /// The session changed (Django: also an invalid cookie that was accessed, which Django
    /// replaces with a freshly signed one).
    Modified,
    /// Flask: a permanent session is refreshed on every response
    /// (`SESSION_REFRESH_EACH_REQUEST`).
    Refresh,
    /// Django: `SESSION_SAVE_EVERY_REQUEST`.
    EveryRequest,
    /// Only a fallback key verified the cookie: re-signed with the current key
    /// ([`CookieConfig::resign_fallback`]).
    Rotation,
}

/// What happens to the cookie.
///
/// ```
/// use signed_cookie::session::Action;
/// assert_ne!(Action::Delete, Action::Keep);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// No `Set-Cookie`.
    Keep,
    /// Sign the session and set the cookie.
    Set(SetReason),
    /// Delete the cookie (an expired, empty `Set-Cookie`).
    Delete,
    /// The cookie would be written, but the framework skips saving on this error status
    /// (Django: 500 before 4.0, every 5xx since).
    Withheld(SetReason),
}

/// The response-time decision: the cookie action and whether to add `Vary: Cookie`.
///
/// ```
/// use signed_cookie::session::{Action, Decision};
/// let d = Decision { action: Action::Keep, vary_cookie: false };
/// assert_eq!(d.action, Action::Keep);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// The cookie action.
    pub action: Action,
    /// Add `Vary: Cookie`.
    pub vary_cookie: bool,
}

impl Policy {
    /// The policy of a framework version (`None` for profiles that have no session middleware).
    ///
    /// ```
    /// use signed_cookie::profile::Compat;
    /// use signed_cookie::session::Policy;
    /// assert_eq!(Policy::for_compat(Compat::Django32), Some(Policy::Django32));
    /// assert_eq!(Policy::for_compat(Compat::Itsdangerous22), None);
    /// ```
    pub fn for_compat(compat: Compat) -> Option<Policy> {
        Some(match compat {
            Compat::Flask31 | Compat::Flask11 | Compat::Flask012 => Policy::Flask,
            Compat::Django22 => Policy::Django22,
            Compat::Django32 => Policy::Django32,
            Compat::Django42 => Policy::Django42,
            Compat::Django52 => Policy::Django52,
            Compat::Starlette110 => Policy::Starlette,
            Compat::Itsdangerous22 | Compat::Itsdangerous11 => return None,
        })
    }

    /// The cookie format of this framework version: `flask`, `django-cookie` (the
    /// `signed_cookies` session backend) or `starlette`.
    ///
    /// ```
    /// let p = signed_cookie::session::Policy::Starlette.profile();
    /// assert_eq!(p.name, "starlette");
    /// ```
    pub fn profile(self) -> Profile {
        let lookup = |name, compat: &str| {
            Profile::lookup(name, Some(compat)).unwrap_or_else(|_| unreachable!())
        };
        match self {
            Policy::Flask => Profile::flask(),
            Policy::Django22 => lookup("django-cookie", "django-2.2"),
            Policy::Django32 => lookup("django-cookie", "django-3.2"),
            Policy::Django42 => lookup("django-cookie", "django-4.2"),
            Policy::Django52 => Profile::django_cookie(),
            Policy::Starlette => Profile::starlette(),
        }
    }

    /// This framework's default cookie settings.
    ///
    /// ```
    /// use signed_cookie::session::{CookieConfig, Policy};
    /// assert_eq!(Policy::Django22.config(), CookieConfig::django());
    /// ```
    pub fn config(self) -> CookieConfig {
        match self {
            Policy::Flask => CookieConfig::flask(),
            Policy::Starlette => CookieConfig::starlette(),
            _ => CookieConfig::django(),
        }
    }

    /// True for the Django policies.
    ///
    /// ```
    /// assert!(signed_cookie::session::Policy::Django52.is_django());
    /// ```
    pub fn is_django(self) -> bool {
        matches!(
            self,
            Policy::Django22 | Policy::Django32 | Policy::Django42 | Policy::Django52
        )
    }

    /// Which cookie of a repeated name the framework reads: Werkzeug takes the first, Django's
    /// and Starlette's parsers build a dict, so the last wins.
    ///
    /// ```
    /// assert!(signed_cookie::session::Policy::Flask.first_cookie_wins());
    /// ```
    pub fn first_cookie_wins(self) -> bool {
        self == Policy::Flask
    }

    /// Django's rule for error responses: true when the session is not saved on `status`.
    fn skips_save_on(self, status: u16) -> bool {
        match self {
            Policy::Django22 | Policy::Django32 => status == 500,
            Policy::Django42 | Policy::Django52 => status >= 500,
            Policy::Flask | Policy::Starlette => false,
        }
    }

    /// The decision, exactly as the framework's middleware takes it, plus re-signing a cookie
    /// that a fallback key verified (when [`CookieConfig::resign_fallback`] is on).
    ///
    /// ```
    /// use signed_cookie::session::{Action, DecisionInput, Incoming, Policy, SetReason};
    /// let config = Policy::Flask.config();
    /// // Flask saves even on an error response.
    /// let input = DecisionInput {
    ///     status: 500, accessed: true, modified: true, data_empty: false,
    ///     ..DecisionInput::default()
    /// };
    /// let d = Policy::Flask.decide(&input, &config);
    /// assert_eq!(d.action, Action::Set(SetReason::Modified));
    /// // Django 4.2+ does not.
    /// let d = Policy::Django42.decide(&input, &Policy::Django42.config());
    /// assert_eq!(d.action, Action::Withheld(SetReason::Modified));
    /// assert!(d.vary_cookie);
    /// ```
    pub fn decide(self, input: &DecisionInput, config: &CookieConfig) -> Decision {
        let rotation = config.resign_fallback
            && matches!(input.incoming, Incoming::Valid { by_fallback: true });
        match self {
            Policy::Flask => flask(input, config, rotation),
            Policy::Starlette => starlette(input, rotation),
            _ => self.django(input, config, rotation),
        }
    }

    fn django(self, input: &DecisionInput, config: &CookieConfig, rotation: bool) -> Decision {
        // The cookie value is Django's session key; `flush()` drops it.
        let has_key =
            matches!(input.incoming, Incoming::Invalid | Incoming::Valid { .. }) && !input.flushed;
        let empty = input.data_empty && !has_key;
        // A cookie that fails to load makes `load()` call `create()`, which sets `modified` —
        // but only once something accesses the session (loading is lazy), and not when that
        // access is `pop`, whose `self.modified = self.modified or key in self._session`
        // overwrites the flag that loading just set.
        let modified = input.modified
            || (input.incoming == Incoming::Invalid
                && input.accessed
                && !input.first_access_was_pop);
        if input.incoming != Incoming::Absent && empty {
            return Decision {
                action: Action::Delete,
                vary_cookie: self != Policy::Django22,
            };
        }
        let reason = if empty {
            None
        } else if modified {
            Some(SetReason::Modified)
        } else if config.save_every_request {
            Some(SetReason::EveryRequest)
        } else if rotation {
            Some(SetReason::Rotation)
        } else {
            None
        };
        let action = match reason {
            None => Action::Keep,
            Some(reason) if self.skips_save_on(input.status) => Action::Withheld(reason),
            Some(reason) => Action::Set(reason),
        };
        Decision {
            action,
            vary_cookie: input.accessed
                || (self == Policy::Django52 && matches!(action, Action::Set(_))),
        }
    }
}

fn flask(input: &DecisionInput, config: &CookieConfig, rotation: bool) -> Decision {
    if input.data_empty {
        // An empty session is never written; modified to empty, it is deleted (even if the
        // client had no cookie).
        return if input.modified {
            Decision {
                action: Action::Delete,
                vary_cookie: true,
            }
        } else {
            Decision {
                action: Action::Keep,
                vary_cookie: input.accessed,
            }
        };
    }
    let reason = if input.modified {
        Some(SetReason::Modified)
    } else if input.permanent && config.refresh_each_request {
        Some(SetReason::Refresh)
    } else if rotation {
        Some(SetReason::Rotation)
    } else {
        None
    };
    match reason {
        Some(reason) => Decision {
            action: Action::Set(reason),
            vary_cookie: true,
        },
        None => Decision {
            action: Action::Keep,
            vary_cookie: input.accessed,
        },
    }
}

fn starlette(input: &DecisionInput, rotation: bool) -> Decision {
    let action = if input.modified && !input.data_empty {
        Action::Set(SetReason::Modified)
    } else if input.modified && matches!(input.incoming, Incoming::Valid { .. }) {
        // Cleared: deleted only when the request's cookie was valid.
        Action::Delete
    } else if rotation && !input.data_empty {
        Action::Set(SetReason::Rotation)
    } else {
        Action::Keep
    };
    Decision {
        action,
        vary_cookie: input.accessed,
    }
}
