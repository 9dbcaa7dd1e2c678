//! A Rust service that shares Flask 3.1's session cookie.
//!
//! ```text
//! PORT=8001 SECRET_KEY=… [SECRET_KEY_FALLBACKS=old1,old2] \
//!     cargo run --features axum --example axum_flask_session
//! ```
//!
//! - `GET /whoami`: 200 with the session's `user_id` as plain text, or 401 without a valid
//!   session.
//! - `POST /visit`: adds one to the session's integer `visits` (0 when missing) and answers the
//!   new number.
//! - `POST /logout`: clears the session; the cookie is deleted.
//!
//! It serves on `127.0.0.1:$PORT` (`PORT=0` picks a free port) and prints
//! `listening on http://127.0.0.1:<port>` once it accepts connections. The keys are Flask's:
//! `SECRET_KEY` signs, `SECRET_KEY_FALLBACKS` (comma-separated, oldest first as in Flask's list)
//! still verify, and a cookie that only a fallback verified is re-signed with `SECRET_KEY`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use signed_cookie::json::Value;
use signed_cookie::session::axum::SessionLayer;
use signed_cookie::session::{Policy, SessionManager, SharedSession};
use signed_cookie::Keys;
use std::io::Write;

async fn whoami(session: SharedSession) -> Response {
    let user = session.lock().get_value("user_id").cloned();
    match user {
        Some(Value::Str(name)) => name.into_string().into_response(),
        Some(Value::Null) | None => (StatusCode::UNAUTHORIZED, "not logged in").into_response(),
        // An integer (or any other JSON) id, as Python's str() of a JSON value would not be
        // comparable anyway: its JSON text.
        Some(other) => other.to_string().into_response(),
    }
}

async fn visit(session: SharedSession) -> Response {
    let mut session = session.lock();
    let visits = match session.get::<i64>("visits") {
        Ok(n) => n.unwrap_or(0),
        Err(_) => return (StatusCode::BAD_REQUEST, "visits is not an integer").into_response(),
    };
    let Some(next) = visits.checked_add(1) else {
        return (StatusCode::BAD_REQUEST, "visits overflows").into_response();
    };
    match session.insert("visits", &next) {
        Ok(_) => next.to_string().into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn logout(session: SharedSession) -> &'static str {
    session.clear();
    "logged out"
}

fn keys_from_env() -> Result<Keys, String> {
    let secret = std::env::var("SECRET_KEY").unwrap_or_default();
    if secret.is_empty() {
        return Err("SECRET_KEY is not set".into());
    }
    // Flask's SECRET_KEY_FALLBACKS run oldest to newest and are tried newest first.
    let fallbacks: Vec<String> = std::env::var("SECRET_KEY_FALLBACKS")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .rev()
        .map(str::to_owned)
        .collect();
    Ok(Keys::new(secret).with_fallbacks(fallbacks))
}

fn main() {
    if let Err(message) = run() {
        eprintln!("axum_flask_session: {message}");
        std::process::exit(2);
    }
}

fn run() -> Result<(), String> {
    let port: u16 = std::env::var("PORT")
        .unwrap_or_else(|_| "5000".into())
        .parse()
        .map_err(|_| "PORT is not a port number".to_owned())?;
    let manager =
        SessionManager::new(Policy::Flask, keys_from_env()?).map_err(|e| e.to_string())?;
    let app = Router::new()
        .route("/whoami", get(whoami))
        .route("/visit", post(visit))
        .route("/logout", post(logout))
        .layer(SessionLayer::new(manager));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        println!("listening on http://{addr}");
        std::io::stdout().flush().ok();
        axum::serve(listener, app).await.map_err(|e| e.to_string())
    })
}
