//! A Rust service on actix-web that shares Django 5.2's `signed_cookies` session.
//!
//! ```text
//! PORT=8002 SECRET_KEY=… [SECRET_KEY_FALLBACKS=old1,old2] \
//!     cargo run --features actix --example actix_django_session
//! ```
//!
//! The same interface as `axum_flask_session`, on Django's `sessionid` cookie:
//! - `GET /whoami`: 200 with the session's `user_id` as plain text, or 401 without one.
//! - `POST /visit`: adds one to the session's integer `visits` (0 when missing) and answers the
//!   new number.
//! - `POST /logout`: flushes the session as Django's `logout()` does; the cookie is deleted.
//!
//! It serves on `127.0.0.1:$PORT` (`PORT=0` picks a free port) and prints
//! `listening on http://127.0.0.1:<port>`. `SECRET_KEY_FALLBACKS` is comma-separated and tried
//! in the order given, as Django does.

use actix_web::{web, App, HttpResponse, HttpServer};
use signed_cookie::json::Value;
use signed_cookie::session::actix::SessionMiddleware;
use signed_cookie::session::{Policy, SessionManager, SharedSession};
use signed_cookie::Keys;
use std::io::Write;

async fn whoami(session: SharedSession) -> HttpResponse {
    let user = session.lock().get_value("user_id").cloned();
    match user {
        Some(Value::Str(name)) => HttpResponse::Ok().body(name.into_string()),
        Some(Value::Null) | None => HttpResponse::Unauthorized().body("not logged in"),
        Some(other) => HttpResponse::Ok().body(other.to_string()),
    }
}

async fn visit(session: SharedSession) -> HttpResponse {
    let mut session = session.lock();
    let visits = match session.get::<i64>("visits") {
        Ok(n) => n.unwrap_or(0),
        Err(_) => return HttpResponse::BadRequest().body("visits is not an integer"),
    };
    let Some(next) = visits.checked_add(1) else {
        return HttpResponse::BadRequest().body("visits overflows");
    };
    match session.insert("visits", &next) {
        Ok(_) => HttpResponse::Ok().body(next.to_string()),
        Err(_) => HttpResponse::InternalServerError().finish(),
    }
}

async fn logout(session: SharedSession) -> HttpResponse {
    session.flush();
    HttpResponse::Ok().body("logged out")
}

fn keys_from_env() -> Result<Keys, String> {
    let secret = std::env::var("SECRET_KEY").unwrap_or_default();
    if secret.is_empty() {
        return Err("SECRET_KEY is not set".into());
    }
    let fallbacks: Vec<String> = std::env::var("SECRET_KEY_FALLBACKS")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_owned)
        .collect();
    Ok(Keys::new(secret).with_fallbacks(fallbacks))
}

fn main() {
    if let Err(message) = run() {
        eprintln!("actix_django_session: {message}");
        std::process::exit(2);
    }
}

fn run() -> Result<(), String> {
    let port: u16 = std::env::var("PORT")
        .unwrap_or_else(|_| "8000".into())
        .parse()
        .map_err(|_| "PORT is not a port number".to_owned())?;
    let manager =
        SessionManager::new(Policy::Django52, keys_from_env()?).map_err(|e| e.to_string())?;
    let sessions = SessionMiddleware::new(manager);
    actix_web::rt::System::new().block_on(async move {
        let server = HttpServer::new(move || {
            App::new()
                .wrap(sessions.clone())
                .route("/whoami", web::get().to(whoami))
                .route("/visit", web::post().to(visit))
                .route("/logout", web::post().to(logout))
        })
        .workers(1)
        .bind(("127.0.0.1", port))
        .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
        for addr in server.addrs() {
            println!("listening on http://{addr}");
        }
        std::io::stdout().flush().ok();
        server.run().await.map_err(|e| e.to_string())
    })
}
