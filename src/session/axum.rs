//! The session as a `tower` layer, with an axum extractor (feature `axum`).
//!
//! [`SessionLayer`] loads the session from the request's `Cookie` headers, puts a
//! [`SharedSession`] in the request extensions, and applies
//! [`SessionManager::finish`]'s `Set-Cookie` and `Vary: Cookie` to the response. Handlers take
//! the [`SharedSession`] as an extractor.
//!
//! A validly signed cookie that does not load (Flask and Starlette answer 500) and a cookie
//! refused for its size are answered with an empty 500 and logged with `tracing`; size
//! warnings are logged too.
//!
//! ```
//! use axum::{routing::get, Router};
//! use signed_cookie::session::axum::SessionLayer;
//! use signed_cookie::session::{Policy, SessionManager, SharedSession};
//!
//! async fn whoami(session: SharedSession) -> String {
//!     session.get::<String>("user_id").ok().flatten().unwrap_or_default()
//! }
//!
//! let manager = SessionManager::new(Policy::Flask, "secret key").unwrap();
//! let app: Router = Router::new()
//!     .route("/whoami", get(whoami))
//!     .layer(SessionLayer::new(manager));
//! ```

use super::{vary_has_cookie, SessionManager, SharedSession};
use axum_core::extract::FromRequestParts;
use axum_core::response::{IntoResponse, Response as AxumResponse};
use http::header::{COOKIE, SET_COOKIE, VARY};
use http::request::Parts;
use http::{HeaderValue, Request, Response, StatusCode};
use pin_project_lite::pin_project;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::SystemTime;
use tower_layer::Layer;
use tower_service::Service;

/// A tower layer that gives every request a session.
///
/// ```
/// use signed_cookie::session::axum::SessionLayer;
/// use signed_cookie::session::{Policy, SessionManager};
/// let layer = SessionLayer::new(SessionManager::new(Policy::Django52, "k").unwrap());
/// assert_eq!(layer.manager().config().name, "sessionid");
/// ```
#[derive(Debug, Clone)]
pub struct SessionLayer {
    manager: Arc<SessionManager>,
}

impl SessionLayer {
    /// A layer for one framework's session cookie.
    ///
    /// ```
    /// use signed_cookie::session::{axum::SessionLayer, Policy, SessionManager};
    /// let _layer = SessionLayer::new(SessionManager::new(Policy::Flask, "k").unwrap());
    /// ```
    pub fn new(manager: SessionManager) -> Self {
        SessionLayer {
            manager: Arc::new(manager),
        }
    }

    /// The session manager.
    ///
    /// ```
    /// use signed_cookie::session::{axum::SessionLayer, Policy, SessionManager};
    /// let layer = SessionLayer::new(SessionManager::new(Policy::Flask, "k").unwrap());
    /// assert_eq!(layer.manager().policy(), Policy::Flask);
    /// ```
    pub fn manager(&self) -> &SessionManager {
        &self.manager
    }
}

impl<S> Layer<S> for SessionLayer {
    type Service = SessionService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SessionService {
            inner,
            manager: self.manager.clone(),
        }
    }
}

/// The service [`SessionLayer`] wraps around an inner service.
///
/// ```
/// use signed_cookie::session::{axum::SessionLayer, Policy, SessionManager};
/// use tower_layer::Layer;
/// let layer = SessionLayer::new(SessionManager::new(Policy::Flask, "k").unwrap());
/// let _service = layer.layer(axum::Router::<()>::new());
/// ```
#[derive(Debug, Clone)]
pub struct SessionService<S> {
    inner: S,
    manager: Arc<SessionManager>,
}

fn internal_error<B: Default>() -> Response<B> {
    let mut response = Response::new(B::default());
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    response
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for SessionService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: Default,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, ResBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        let cookies = request
            .headers()
            .get_all(COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok());
        let state = match self.manager.load_from_headers(cookies, SystemTime::now()) {
            Ok(session) => {
                let session = SharedSession::new(session);
                request.extensions_mut().insert(session.clone());
                State::Inner {
                    future: self.inner.call(request),
                    session,
                    manager: self.manager.clone(),
                }
            }
            Err(err) => {
                tracing::error!(error = %err, "session cookie rejected");
                State::Failed
            }
        };
        ResponseFuture {
            state,
            body: PhantomData,
        }
    }
}

pin_project! {
    /// The response future of [`SessionService`].
    pub struct ResponseFuture<F, B> {
        #[pin]
        state: State<F>,
        body: PhantomData<fn() -> B>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<F> {
        Inner {
            #[pin]
            future: F,
            session: SharedSession,
            manager: Arc<SessionManager>,
        },
        Failed,
    }
}

impl<F, B, E> Future for ResponseFuture<F, B>
where
    F: Future<Output = Result<Response<B>, E>>,
    B: Default,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProj::Inner {
                future,
                session,
                manager,
            } => {
                let mut response = ready!(future.poll(cx))?;
                apply(manager, session, &mut response);
                Poll::Ready(Ok(response))
            }
            StateProj::Failed => Poll::Ready(Ok(internal_error())),
        }
    }
}

/// Writes the session's outcome into the response.
fn apply<B: Default>(
    manager: &SessionManager,
    session: &SharedSession,
    response: &mut Response<B>,
) {
    let outcome = {
        let session = session.lock();
        manager.finish(&session, response.status().as_u16(), SystemTime::now())
    };
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(err) => {
            tracing::error!(error = %err, "session not saved");
            *response = internal_error();
            return;
        }
    };
    for warning in &outcome.warnings {
        tracing::warn!("{warning}");
    }
    let headers = response.headers_mut();
    if let Some(set_cookie) = outcome.set_cookie_header() {
        match HeaderValue::from_str(&set_cookie) {
            Ok(value) => {
                headers.append(SET_COOKIE, value);
            }
            Err(_) => {
                tracing::error!("session cookie is not a valid header value (check the config)");
                *response = internal_error();
                return;
            }
        }
    }
    if outcome.vary_cookie()
        && !vary_has_cookie(headers.get_all(VARY).iter().filter_map(|v| v.to_str().ok()))
    {
        headers.append(VARY, HeaderValue::from_static("Cookie"));
    }
}

/// The session layer is missing from the route: answered with a 500.
///
/// ```
/// use axum_core::response::IntoResponse;
/// let response = signed_cookie::session::axum::MissingSessionLayer.into_response();
/// assert_eq!(response.status(), 500);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MissingSessionLayer;

impl IntoResponse for MissingSessionLayer {
    fn into_response(self) -> AxumResponse {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "SessionLayer is not installed on this route",
        )
            .into_response()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for SharedSession {
    type Rejection = MissingSessionLayer;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<SharedSession>()
            .cloned()
            .ok_or(MissingSessionLayer)
    }
}
