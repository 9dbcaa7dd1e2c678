//! The session as actix-web middleware, with an extractor (feature `actix`).
//!
//! [`SessionMiddleware`] loads the session from the request's `Cookie` headers, puts a
//! [`SharedSession`] in the request extensions, and applies [`SessionManager::finish`]'s
//! `Set-Cookie` and `Vary: Cookie` to the response. Handlers take the [`SharedSession`] as an
//! extractor.
//!
//! A validly signed cookie that does not load (Flask and Starlette answer 500) and a cookie
//! refused for its size are answered with an empty 500 and logged with `log`; size warnings
//! are logged too. Errors that the inner service returns as `Err` pass through unchanged
//! (actix turns handler errors into responses before this middleware sees them).
//!
//! ```
//! use actix_web::{web, App};
//! use signed_cookie::session::actix::SessionMiddleware;
//! use signed_cookie::session::{Policy, SessionManager, SharedSession};
//!
//! async fn whoami(session: SharedSession) -> String {
//!     session.get::<String>("user_id").ok().flatten().unwrap_or_default()
//! }
//!
//! let manager = SessionManager::new(Policy::Django52, "django secret").unwrap();
//! let _app = App::new()
//!     .wrap(SessionMiddleware::new(manager))
//!     .route("/whoami", web::get().to(whoami));
//! ```

use super::{vary_has_cookie, SessionManager, SharedSession};
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{forward_ready, Payload, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header::{HeaderValue, COOKIE, SET_COOKIE, VARY};
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse};
use std::future::{ready, Future, Ready};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::time::SystemTime;

/// Middleware that gives every request a session.
///
/// ```
/// use signed_cookie::session::{actix::SessionMiddleware, Policy, SessionManager};
/// let m = SessionMiddleware::new(SessionManager::new(Policy::Flask, "k").unwrap());
/// assert_eq!(m.manager().config().name, "session");
/// ```
#[derive(Debug, Clone)]
pub struct SessionMiddleware {
    manager: Arc<SessionManager>,
}

impl SessionMiddleware {
    /// Middleware for one framework's session cookie.
    ///
    /// ```
    /// use signed_cookie::session::{actix::SessionMiddleware, Policy, SessionManager};
    /// let _m = SessionMiddleware::new(SessionManager::new(Policy::Starlette, "k").unwrap());
    /// ```
    pub fn new(manager: SessionManager) -> Self {
        SessionMiddleware {
            manager: Arc::new(manager),
        }
    }

    /// The session manager.
    ///
    /// ```
    /// use signed_cookie::session::{actix::SessionMiddleware, Policy, SessionManager};
    /// let m = SessionMiddleware::new(SessionManager::new(Policy::Django42, "k").unwrap());
    /// assert_eq!(m.manager().policy(), Policy::Django42);
    /// ```
    pub fn manager(&self) -> &SessionManager {
        &self.manager
    }
}

impl<S, B> Transform<S, ServiceRequest> for SessionMiddleware
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = SessionService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(SessionService {
            service: Rc::new(service),
            manager: self.manager.clone(),
        }))
    }
}

/// The service [`SessionMiddleware`] wraps around an inner service.
///
/// ```
/// use actix_web::{test, web, App, HttpResponse};
/// use signed_cookie::session::{actix::SessionMiddleware, Policy, SessionManager, SharedSession};
/// actix_web::rt::System::new().block_on(async {
///     let app = test::init_service(
///         App::new()
///             .wrap(SessionMiddleware::new(SessionManager::new(Policy::Flask, "k").unwrap()))
///             .route("/", web::post().to(|s: SharedSession| async move {
///                 s.insert("n", &1).unwrap();
///                 HttpResponse::Ok().finish()
///             })),
///     )
///     .await;
///     let res = test::call_service(&app, test::TestRequest::post().uri("/").to_request()).await;
///     assert!(res.headers().get("set-cookie").is_some());
///     assert_eq!(res.headers().get("vary").unwrap(), "Cookie");
/// });
/// ```
pub struct SessionService<S> {
    service: Rc<S>,
    manager: Arc<SessionManager>,
}

type LocalBoxFuture<T> = Pin<Box<dyn Future<Output = T>>>;

fn internal_error<B>(request: HttpRequest) -> ServiceResponse<EitherBody<B>> {
    ServiceResponse::new(request, HttpResponse::InternalServerError().finish())
        .map_into_right_body()
}

impl<S, B> Service<ServiceRequest> for SessionService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let cookies = request
            .headers()
            .get_all(COOKIE)
            .filter_map(|v| v.to_str().ok());
        let session = match self.manager.load_from_headers(cookies, SystemTime::now()) {
            Ok(session) => SharedSession::new(session),
            Err(err) => {
                log::error!("session cookie rejected: {err}");
                let (http_request, _payload) = request.into_parts();
                return Box::pin(ready(Ok(internal_error(http_request))));
            }
        };
        request.extensions_mut().insert(session.clone());
        let service = self.service.clone();
        let manager = self.manager.clone();
        Box::pin(async move {
            let response = service.call(request).await?;
            Ok(apply(&manager, &session, response))
        })
    }
}

/// Writes the session's outcome into the response.
fn apply<B>(
    manager: &SessionManager,
    session: &SharedSession,
    mut response: ServiceResponse<B>,
) -> ServiceResponse<EitherBody<B>> {
    let outcome = {
        let session = session.lock();
        manager.finish(&session, response.status().as_u16(), SystemTime::now())
    };
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(err) => {
            log::error!("session not saved: {err}");
            return internal_error(response.request().clone());
        }
    };
    for warning in &outcome.warnings {
        log::warn!("{warning}");
    }
    let headers = response.headers_mut();
    if let Some(set_cookie) = outcome.set_cookie_header() {
        match HeaderValue::from_str(&set_cookie) {
            Ok(value) => headers.append(SET_COOKIE, value),
            Err(_) => {
                log::error!("session cookie is not a valid header value (check the config)");
                return internal_error(response.request().clone());
            }
        }
    }
    if outcome.vary_cookie()
        && !vary_has_cookie(headers.get_all(VARY).filter_map(|v| v.to_str().ok()))
    {
        headers.append(VARY, HeaderValue::from_static("Cookie"));
    }
    response.map_into_left_body()
}

impl FromRequest for SharedSession {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(
            request
                .extensions()
                .get::<SharedSession>()
                .cloned()
                .ok_or_else(|| {
                    actix_web::error::ErrorInternalServerError(
                        "SessionMiddleware is not installed on this route",
                    )
                }),
        )
    }
}
