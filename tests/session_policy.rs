//! Every branch of the response-time decision, per framework, with the framework code it
//! follows (Flask 3.1.3 `sessions.py` `save_session`; Django `contrib/sessions/middleware.py`
//! `process_response` in 2.2 / 3.2 / 4.2 / 5.2; Starlette 1.10 `middleware/sessions.py`), and
//! the headers `SessionManager::finish` builds from it. `tests/session_decisions.rs` checks the
//! same cases against the real frameworks.

use signed_cookie::json::Value;
use signed_cookie::session::{
    Action, CookieConfig, DecisionInput, Incoming, Policy, SameSite, Session, SessionError,
    SessionManager, SessionWarning, SetReason, SizeAction, SizeLimit,
};
use signed_cookie::Keys;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const ALL: [Policy; 6] = [
    Policy::Flask,
    Policy::Django22,
    Policy::Django32,
    Policy::Django42,
    Policy::Django52,
    Policy::Starlette,
];
const DJANGO: [Policy; 4] = [
    Policy::Django22,
    Policy::Django32,
    Policy::Django42,
    Policy::Django52,
];

fn decide(policy: Policy, input: DecisionInput) -> (Action, bool) {
    let d = policy.decide(&input, &policy.config());
    (d.action, d.vary_cookie)
}

fn valid() -> Incoming {
    Incoming::Valid { by_fallback: false }
}

fn rotated() -> Incoming {
    Incoming::Valid { by_fallback: true }
}

const SET: Action = Action::Set(SetReason::Modified);

// --- nothing happened ------------------------------------------------------------------------

#[test]
fn untouched_session_writes_nothing_and_does_not_vary() {
    for policy in ALL {
        for incoming in [Incoming::Absent, valid()] {
            let data_empty = incoming == Incoming::Absent;
            let input = DecisionInput {
                incoming,
                data_empty,
                ..DecisionInput::default()
            };
            assert_eq!(
                decide(policy, input),
                (Action::Keep, false),
                "{policy:?} {incoming:?}"
            );
        }
    }
}

#[test]
fn read_only_access_varies_without_writing() {
    // Flask: `if session.accessed: response.vary.add("Cookie")`; Django: `if accessed:
    // patch_vary_headers`; Starlette: `if session.accessed: add_vary_header`.
    for policy in ALL {
        let input = DecisionInput {
            accessed: true,
            data_empty: false,
            incoming: valid(),
            ..DecisionInput::default()
        };
        assert_eq!(decide(policy, input), (Action::Keep, true), "{policy:?}");
    }
}

// --- modified --------------------------------------------------------------------------------

#[test]
fn modified_non_empty_session_is_set_and_varies() {
    let input = DecisionInput {
        accessed: true,
        modified: true,
        data_empty: false,
        ..DecisionInput::default()
    };
    for policy in ALL {
        assert_eq!(decide(policy, input), (SET, true), "{policy:?}");
    }
}

#[test]
fn django_52_varies_whenever_it_sets_the_cookie() {
    // 5.2: "With a session cookie set, it must be varied on." (`need_vary_cookie = True`); older
    // versions only on access. SESSION_SAVE_EVERY_REQUEST sets without access.
    for policy in DJANGO {
        let config = CookieConfig {
            save_every_request: true,
            ..CookieConfig::django()
        };
        let input = DecisionInput {
            data_empty: false,
            incoming: valid(),
            ..DecisionInput::default()
        };
        let d = policy.decide(&input, &config);
        assert_eq!(d.action, Action::Set(SetReason::EveryRequest), "{policy:?}");
        assert_eq!(d.vary_cookie, policy == Policy::Django52, "{policy:?}");
    }
}

// --- emptied -----------------------------------------------------------------------------------

#[test]
fn flask_deletes_a_session_modified_to_empty_even_without_a_cookie() {
    // `if not session: if session.modified: response.delete_cookie(...)`.
    for incoming in [Incoming::Absent, Incoming::Invalid, valid()] {
        let input = DecisionInput {
            accessed: true,
            modified: true,
            incoming,
            ..DecisionInput::default()
        };
        assert_eq!(
            decide(Policy::Flask, input),
            (Action::Delete, true),
            "{incoming:?}"
        );
    }
    // An empty session that was not modified is never written.
    let input = DecisionInput {
        accessed: true,
        incoming: valid(),
        ..DecisionInput::default()
    };
    assert_eq!(decide(Policy::Flask, input), (Action::Keep, true));
}

#[test]
fn starlette_deletes_only_when_the_request_cookie_was_valid() {
    // `elif session.modified and not initial_session_was_empty:`.
    for (incoming, action) in [
        (valid(), Action::Delete),
        (Incoming::Absent, Action::Keep),
        (Incoming::Blank, Action::Keep),
        (Incoming::Invalid, Action::Keep),
    ] {
        let input = DecisionInput {
            accessed: true,
            modified: true,
            incoming,
            ..DecisionInput::default()
        };
        assert_eq!(
            decide(Policy::Starlette, input),
            (action, true),
            "{incoming:?}"
        );
    }
}

#[test]
fn django_clear_keeps_the_key_and_writes_an_empty_session() {
    // `clear()` empties `_session_cache` but keeps `_session_key`: not `is_empty()`, so saved.
    for policy in DJANGO {
        let input = DecisionInput {
            accessed: true,
            modified: true,
            incoming: valid(),
            ..DecisionInput::default()
        };
        assert_eq!(decide(policy, input).0, SET, "{policy:?}");
    }
}

#[test]
fn django_flush_deletes_when_the_request_had_the_cookie() {
    // `if settings.SESSION_COOKIE_NAME in request.COOKIES and empty: delete_cookie`; 2.2 adds
    // no Vary there, 3.2+ do.
    for policy in DJANGO {
        for incoming in [valid(), Incoming::Invalid, Incoming::Blank] {
            let input = DecisionInput {
                accessed: true,
                modified: true,
                flushed: true,
                incoming,
                ..DecisionInput::default()
            };
            let vary = policy != Policy::Django22;
            assert_eq!(
                decide(policy, input),
                (Action::Delete, vary),
                "{policy:?} {incoming:?}"
            );
        }
        // No cookie in the request: nothing to delete, nothing to save.
        let input = DecisionInput {
            accessed: true,
            modified: true,
            flushed: true,
            ..DecisionInput::default()
        };
        assert_eq!(decide(policy, input), (Action::Keep, true), "{policy:?}");
    }
}

#[test]
fn django_deletes_a_blank_cookie_even_untouched() {
    // A blank `sessionid=` is "in request.COOKIES" and the session has no key: `is_empty()`.
    for policy in DJANGO {
        let input = DecisionInput {
            incoming: Incoming::Blank,
            ..DecisionInput::default()
        };
        assert_eq!(decide(policy, input).0, Action::Delete, "{policy:?}");
    }
    // Flask (`if not val: return self.session_class()`) and Starlette ignore it.
    for policy in [Policy::Flask, Policy::Starlette] {
        let input = DecisionInput {
            incoming: Incoming::Blank,
            ..DecisionInput::default()
        };
        assert_eq!(decide(policy, input), (Action::Keep, false), "{policy:?}");
    }
}

// --- invalid cookies -------------------------------------------------------------------------

#[test]
fn django_replaces_an_invalid_cookie_once_accessed() {
    // `load()` fails → `create()` sets `modified`; the stale key keeps it non-empty → a fresh
    // `{}` cookie. Loading is lazy: untouched, nothing happens.
    for policy in DJANGO {
        let accessed = DecisionInput {
            accessed: true,
            incoming: Incoming::Invalid,
            ..DecisionInput::default()
        };
        assert_eq!(decide(policy, accessed), (SET, true), "{policy:?}");
        let untouched = DecisionInput {
            incoming: Incoming::Invalid,
            ..DecisionInput::default()
        };
        assert_eq!(
            decide(policy, untouched),
            (Action::Keep, false),
            "{policy:?}"
        );
        // `pop` as the first access overwrites the flag loading set.
        let popped = DecisionInput {
            first_access_was_pop: true,
            ..accessed
        };
        assert_eq!(decide(policy, popped), (Action::Keep, true), "{policy:?}");
    }
    // Flask and Starlette leave the bad cookie alone.
    for policy in [Policy::Flask, Policy::Starlette] {
        let input = DecisionInput {
            accessed: true,
            incoming: Incoming::Invalid,
            ..DecisionInput::default()
        };
        assert_eq!(decide(policy, input), (Action::Keep, true), "{policy:?}");
    }
}

// --- refresh / save every request ---------------------------------------------------------

#[test]
fn flask_refreshes_permanent_sessions_unless_configured_not_to() {
    // `should_set_cookie`: `session.modified or (session.permanent and
    // SESSION_REFRESH_EACH_REQUEST)`.
    let input = DecisionInput {
        permanent: true,
        data_empty: false,
        incoming: valid(),
        ..DecisionInput::default()
    };
    assert_eq!(
        decide(Policy::Flask, input),
        (Action::Set(SetReason::Refresh), true)
    );
    let no_refresh = CookieConfig {
        refresh_each_request: false,
        ..CookieConfig::flask()
    };
    assert_eq!(
        Policy::Flask.decide(&input, &no_refresh).action,
        Action::Keep
    );
    // Not permanent: no refresh.
    let input = DecisionInput {
        permanent: false,
        ..input
    };
    assert_eq!(decide(Policy::Flask, input), (Action::Keep, false));
    // Django and Starlette have no such rule for `_permanent`.
    for policy in [Policy::Django52, Policy::Starlette] {
        let input = DecisionInput {
            permanent: true,
            ..input
        };
        assert_eq!(decide(policy, input).0, Action::Keep, "{policy:?}");
    }
}

#[test]
fn django_save_every_request_needs_a_non_empty_session() {
    let config = CookieConfig {
        save_every_request: true,
        ..CookieConfig::django()
    };
    let empty = DecisionInput::default();
    assert_eq!(
        Policy::Django42.decide(&empty, &config).action,
        Action::Keep
    );
    // Flask ignores Django's setting.
    let input = DecisionInput {
        data_empty: false,
        incoming: valid(),
        ..DecisionInput::default()
    };
    let flask = CookieConfig {
        save_every_request: true,
        ..CookieConfig::flask()
    };
    assert_eq!(Policy::Flask.decide(&input, &flask).action, Action::Keep);
}

// --- error responses ---------------------------------------------------------------------------

#[test]
fn error_responses_follow_each_framework() {
    let at = |status| DecisionInput {
        status,
        accessed: true,
        modified: true,
        data_empty: false,
        ..DecisionInput::default()
    };
    let withheld = Action::Withheld(SetReason::Modified);
    // (policy, status) → action. Flask: handle_exception → finalize_request → save_session.
    // Django 2.2/3.2: `if response.status_code != 500`; 4.2+: `if response.status_code < 500`.
    let table = [
        (Policy::Flask, 500, SET),
        (Policy::Flask, 503, SET),
        (Policy::Flask, 404, SET),
        (Policy::Starlette, 500, SET),
        (Policy::Django22, 500, withheld),
        (Policy::Django22, 502, SET),
        (Policy::Django32, 500, withheld),
        (Policy::Django32, 503, SET),
        (Policy::Django42, 500, withheld),
        (Policy::Django42, 503, withheld),
        (Policy::Django42, 499, SET),
        (Policy::Django52, 599, withheld),
        (Policy::Django52, 404, SET),
    ];
    for (policy, status, action) in table {
        let d = policy.decide(&at(status), &policy.config());
        assert_eq!(d.action, action, "{policy:?} {status}");
        // Access still varies; 5.2 only adds its extra Vary when it really sets.
        assert!(d.vary_cookie, "{policy:?} {status}");
    }
    // Deleting does not depend on the status.
    let flush = DecisionInput {
        status: 500,
        modified: true,
        flushed: true,
        incoming: valid(),
        ..DecisionInput::default()
    };
    assert_eq!(decide(Policy::Django42, flush).0, Action::Delete);
}

// --- key rotation (beyond the frameworks) ------------------------------------------------------

#[test]
fn a_cookie_verified_by_a_fallback_key_is_resigned_unless_turned_off() {
    let input = DecisionInput {
        data_empty: false,
        incoming: rotated(),
        ..DecisionInput::default()
    };
    for policy in ALL {
        let d = policy.decide(&input, &policy.config());
        assert_eq!(d.action, Action::Set(SetReason::Rotation), "{policy:?}");
        let off = CookieConfig {
            resign_fallback: false,
            ..policy.config()
        };
        assert_eq!(
            policy.decide(&input, &off).action,
            Action::Keep,
            "{policy:?}"
        );
    }
    // Nothing to re-sign in an empty Flask/Starlette session; Django still has its key.
    let empty = DecisionInput {
        incoming: rotated(),
        ..DecisionInput::default()
    };
    assert_eq!(decide(Policy::Flask, empty).0, Action::Keep);
    assert_eq!(decide(Policy::Starlette, empty).0, Action::Keep);
    assert_eq!(
        decide(Policy::Django52, empty).0,
        Action::Set(SetReason::Rotation)
    );
    // Django's error rule applies to it too.
    let failing = DecisionInput {
        status: 500,
        ..input
    };
    assert_eq!(
        decide(Policy::Django52, failing).0,
        Action::Withheld(SetReason::Rotation)
    );
}

// --- the headers built from the decision ---------------------------------------------------

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

const NOW: u64 = 1_700_000_000; // Tue, 14 Nov 2023 22:13:20 GMT

fn modified(manager: &SessionManager) -> Session {
    let mut s = manager.load(None, at(NOW)).unwrap();
    s.insert("user_id", "alice").unwrap();
    s
}

fn header(manager: &SessionManager, session: &Session, status: u16) -> Option<String> {
    manager
        .finish(session, status, at(NOW))
        .unwrap()
        .set_cookie_header()
}

/// The header without the (time-dependent) value.
fn attrs(header: &str) -> &str {
    &header[header.find(';').unwrap_or(header.len())..]
}

#[test]
fn flask_headers() {
    let m = SessionManager::new(Policy::Flask, "k").unwrap();
    let mut s = modified(&m);
    // Not permanent: a browser-session cookie, no Expires, no Max-Age.
    assert_eq!(attrs(&header(&m, &s, 200).unwrap()), "; HttpOnly; Path=/");
    s.set_permanent(true);
    // Permanent: Expires = now + 31 days, still no Max-Age.
    assert_eq!(
        attrs(&header(&m, &s, 200).unwrap()),
        "; HttpOnly; Path=/; Expires=Fri, 15 Dec 2023 22:13:20 GMT"
    );
    s.clear();
    assert_eq!(
        header(&m, &s, 200).unwrap(),
        "session=; HttpOnly; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
    );
    // Every attribute of the config, Partitioned forcing Secure as in Werkzeug.
    let m = m.with_config(CookieConfig {
        name: "sid".into(),
        domain: Some("example.com".into()),
        path: "/app".into(),
        same_site: Some(SameSite::Strict),
        partitioned: true,
        http_only: false,
        ..CookieConfig::flask()
    });
    let s = modified(&m);
    assert_eq!(
        attrs(&header(&m, &s, 200).unwrap()),
        "; SameSite=Strict; Partitioned; Secure; Path=/app; Domain=example.com"
    );
}

#[test]
fn django_headers() {
    let m = SessionManager::new(Policy::Django52, "k").unwrap();
    let mut s = modified(&m);
    assert_eq!(
        attrs(&header(&m, &s, 200).unwrap()),
        "; HttpOnly; SameSite=Lax; Path=/; Max-Age=1209600; Expires=Tue, 28 Nov 2023 22:13:20 GMT"
    );
    // set_expiry(600): the cookie follows it.
    s.set_expiry(Some(Duration::from_secs(600)));
    assert_eq!(
        attrs(&header(&m, &s, 200).unwrap()),
        "; HttpOnly; SameSite=Lax; Path=/; Max-Age=600; Expires=Tue, 14 Nov 2023 22:23:20 GMT"
    );
    // set_expiry(0): at browser close.
    s.set_expiry(Some(Duration::ZERO));
    assert_eq!(
        attrs(&header(&m, &s, 200).unwrap()),
        "; HttpOnly; SameSite=Lax; Path=/"
    );
    // SESSION_EXPIRE_AT_BROWSER_CLOSE, unless the session sets its own expiry.
    let closing = m.clone().with_config(CookieConfig {
        expire_at_browser_close: true,
        ..CookieConfig::django()
    });
    let mut s = modified(&closing);
    assert_eq!(
        attrs(&header(&closing, &s, 200).unwrap()),
        "; HttpOnly; SameSite=Lax; Path=/"
    );
    s.set_expiry(Some(Duration::from_secs(60)));
    assert!(header(&closing, &s, 200).unwrap().contains("Max-Age=60;"));
    // A datetime expiry, as Django ≥ 4.1 stores it.
    let mut s = modified(&m);
    s.insert("_session_expiry", "2023-11-14T23:13:20+00:00")
        .unwrap();
    assert!(header(&m, &s, 200).unwrap().contains("Max-Age=3600;"));
}

#[test]
fn django_deleting_headers() {
    let cookie = |policy: Policy, config: CookieConfig| {
        let m = SessionManager::new(policy, "k")
            .unwrap()
            .with_config(config);
        let token = {
            let s = modified(&m);
            m.finish(&s, 200, at(NOW))
                .unwrap()
                .set_cookie
                .unwrap()
                .value()
                .to_owned()
        };
        let mut s = m.load(Some(&token), at(NOW)).unwrap();
        s.flush();
        header(&m, &s, 200).unwrap()
    };
    assert_eq!(
        cookie(Policy::Django52, CookieConfig::django()),
        "sessionid=; SameSite=Lax; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
    );
    // Secure for __Secure-/__Host- names (every version) and SameSite=None (3.x+).
    let prefixed = CookieConfig {
        name: "__Host-sessionid".into(),
        ..CookieConfig::django()
    };
    assert!(cookie(Policy::Django22, prefixed).contains("; Secure"));
    let none = CookieConfig {
        same_site: Some(SameSite::None),
        ..CookieConfig::django()
    };
    assert!(!cookie(Policy::Django22, none.clone()).contains("; Secure"));
    assert!(cookie(Policy::Django32, none).contains("; Secure"));
}

#[test]
fn starlette_headers() {
    let m = SessionManager::new(Policy::Starlette, "k").unwrap();
    let s = modified(&m);
    let set = header(&m, &s, 200).unwrap();
    assert!(
        set.starts_with("session=eyJ1c2VyX2lkIjogImFsaWNlIn0=."),
        "{set}"
    );
    assert_eq!(
        attrs(&set),
        "; HttpOnly; SameSite=Lax; Path=/; Max-Age=1209600"
    );
    let token = set["session=".len()..set.find(';').unwrap()].to_owned();
    let mut s = m.load(Some(&token), at(NOW)).unwrap();
    s.clear();
    assert_eq!(
        header(&m, &s, 200).unwrap(),
        "session=null; HttpOnly; SameSite=Lax; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
    );
    // max_age=None: neither an age check nor Max-Age.
    let m = m.with_config(CookieConfig {
        lifetime: None,
        ..CookieConfig::starlette()
    });
    assert_eq!(
        attrs(&header(&m, &modified(&m), 200).unwrap()),
        "; HttpOnly; SameSite=Lax; Path=/"
    );
}

// --- loading ---------------------------------------------------------------------------------

#[test]
fn loading_classifies_what_the_request_carried() {
    let m = SessionManager::new(Policy::Flask, Keys::new("new").with_fallbacks(["old"])).unwrap();
    let old = SessionManager::new(Policy::Flask, "old").unwrap();
    let token = |m: &SessionManager| {
        let s = modified(m);
        m.finish(&s, 200, at(NOW))
            .unwrap()
            .set_cookie
            .unwrap()
            .value()
            .to_owned()
    };
    let now = at(NOW);
    assert_eq!(m.load(None, now).unwrap().incoming(), Incoming::Absent);
    assert_eq!(m.load(Some(""), now).unwrap().incoming(), Incoming::Blank);
    assert_eq!(
        m.load(Some("x.y.z"), now).unwrap().incoming(),
        Incoming::Invalid
    );
    assert_eq!(m.load(Some(&token(&m)), now).unwrap().incoming(), valid());
    let from_old = m.load(Some(&token(&old)), now).unwrap();
    assert_eq!(from_old.incoming(), rotated());
    assert_eq!(
        from_old.get::<String>("user_id").unwrap().as_deref(),
        Some("alice")
    );
    // Expired (31 days + 1 s): an empty session, as Flask.
    let later = at(NOW + 31 * 86_400 + 1);
    let expired = m.load(Some(&token(&m)), later).unwrap();
    assert_eq!(expired.incoming(), Incoming::Invalid);
    assert!(expired.data().is_empty());
    // Loading marks nothing.
    let s = m.load(Some(&token(&m)), now).unwrap();
    assert!(!s.accessed() && !s.modified());
}

#[test]
fn a_signed_non_dict_is_a_bad_payload_for_flask_and_starlette_only() {
    for policy in [Policy::Flask, Policy::Starlette] {
        let m = SessionManager::new(policy, "k").unwrap();
        for value in [
            serde_json::json!([1, 2]),
            serde_json::json!("s"),
            serde_json::json!(null),
        ] {
            let token = m.serializer().dumps_at(&value, at(NOW)).unwrap();
            assert!(
                matches!(
                    m.load(Some(&token), at(NOW)),
                    Err(SessionError::BadPayload(_))
                ),
                "{policy:?} {value}"
            );
        }
    }
    // Django's backend swallows every load error: an invalid (empty) session.
    let m = SessionManager::new(Policy::Django52, "k").unwrap();
    let token = m.serializer().dumps_at(&[1, 2], at(NOW)).unwrap();
    assert_eq!(
        m.load(Some(&token), at(NOW)).unwrap().incoming(),
        Incoming::Invalid
    );
}

#[test]
fn a_signed_undecodable_payload_is_a_bad_payload_for_flask() {
    // Sign a payload that is base64 of "not json" with the Flask signer itself.
    let m = SessionManager::new(Policy::Flask, "k").unwrap();
    let bogus = m.serializer().signer().sign_at("bm90IGpzb24", at(NOW));
    let loaded = m.load(Some(&bogus), at(NOW));
    assert!(
        matches!(loaded, Err(SessionError::BadPayload(_))),
        "{loaded:?}"
    );
    let d = SessionManager::new(Policy::Django52, "k").unwrap();
    let bogus = d.serializer().signer().sign_at("bm90IGpzb24", at(NOW));
    assert_eq!(
        d.load(Some(&bogus), at(NOW)).unwrap().incoming(),
        Incoming::Invalid
    );
}

// --- size limit --------------------------------------------------------------------------------

fn big_session(m: &SessionManager) -> Session {
    let mut s = m.load(None, at(NOW)).unwrap();
    // Pseudo-random text (xorshift) does not compress below the limit.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let noise: String = (0..6000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            char::from(b'a' + (state % 26) as u8)
        })
        .collect();
    s.insert_value("noise", Value::from(noise));
    s
}

#[test]
fn oversized_cookies_warn_like_werkzeug_or_are_refused() {
    let m = SessionManager::new(Policy::Flask, "k").unwrap();
    let s = big_session(&m);
    let out = m.finish(&s, 200, at(NOW)).unwrap();
    let header = out.set_cookie_header().unwrap();
    assert!(header.len() > 4093);
    match out.warnings.as_slice() {
        [w @ SessionWarning::CookieTooLarge {
            header_len,
            limit: 4093,
            ..
        }] => {
            assert_eq!(*header_len, header.len());
            assert!(w
                .to_string()
                .contains("Browsers may silently ignore cookies larger"));
        }
        other => panic!("{other:?}"),
    }
    let refusing = m.with_config(CookieConfig {
        size_limit: SizeLimit {
            max_header_len: 4093,
            action: SizeAction::Refuse,
        },
        ..CookieConfig::flask()
    });
    assert!(matches!(
        refusing.finish(&s, 200, at(NOW)),
        Err(SessionError::CookieTooLarge { limit: 4093, .. })
    ));
    // A small session passes.
    let small = modified(&refusing);
    assert!(refusing
        .finish(&small, 200, at(NOW))
        .unwrap()
        .warnings
        .is_empty());
}

// --- tracking ----------------------------------------------------------------------------------

#[test]
fn session_tracking_matches_the_frameworks() {
    let mut s = Session::new();
    // Reads: accessed only.
    assert!(!s.contains_key("a"));
    assert!(s.accessed() && !s.modified());
    // pop of a missing key: not modified (Werkzeug's UpdateDictMixin, Django's pop, Starlette).
    assert_eq!(s.remove("a"), None);
    assert!(!s.modified());
    // Writes.
    s.insert("a", &1).unwrap();
    assert!(s.modified());
    let mut s = Session::loaded(Default::default(), valid());
    s.clear(); // clear() of an empty session still counts.
    assert!(s.modified());
    // Flask's permanent flag lives in the data.
    let mut s = Session::new();
    s.set_permanent(true);
    assert_eq!(s.get_value("_permanent"), Some(&Value::Bool(true)));
    s.insert("_permanent", &1).unwrap(); // any truthy value, as Python's `bool()`
    assert!(s.permanent());
    s.insert("_permanent", "").unwrap();
    assert!(!s.permanent());
}
