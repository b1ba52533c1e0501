//! The bearer token, required on every route when one is configured.
//!
//! Accepted as `Authorization: Bearer <token>`, as `?token=<token>` (so a
//! person can open the page's URL), or as the `vigil_token` cookie that a
//! successful `?token=` answer sets, so the page's own requests (its script,
//! `fetch`es and the `EventSource`, which cannot set headers) carry it.

use crate::error::ApiError;
use crate::server::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

const COOKIE: &str = "vigil_token";

pub(crate) async fn require_token(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(token) = state.token.as_deref() else {
        return next.run(req).await;
    };
    let from_header = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim);
    let from_cookie = req
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().strip_prefix(COOKIE).and_then(|r| r.strip_prefix('=')))
        .find(|v| same(v, token));
    let from_query = req.uri().query().and_then(|q| {
        q.split('&').filter_map(|kv| kv.strip_prefix("token=")).map(percent_decode).find(|v| same(v, token))
    });
    let ok = from_header.is_some_and(|v| same(v, token)) || from_cookie.is_some() || from_query.is_some();
    if !ok {
        return ApiError::new(
            StatusCode::UNAUTHORIZED,
            "this dashboard requires a token: send `Authorization: Bearer <token>` or open the page with ?token=<token>",
        )
        .into_response();
    }
    let mut res = next.run(req).await;
    if from_query.is_some() {
        if let Ok(v) = HeaderValue::from_str(&format!("{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/"))
        {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

/// Compares without stopping at the first difference.
fn same(given: &str, token: &str) -> bool {
    let (a, b) = (given.as_bytes(), token.as_bytes());
    let mut diff = a.len() ^ b.len();
    for (i, &y) in b.iter().enumerate() {
        diff |= (a.get(i).copied().unwrap_or(0) ^ y) as usize;
    }
    diff == 0
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_tokens_exactly() {
        assert!(same("abc", "abc"));
        assert!(!same("abd", "abc"));
        assert!(!same("ab", "abc"));
        assert!(!same("abcd", "abc"));
        assert!(!same("", "abc"));
    }

    #[test]
    fn decodes_query_values() {
        assert_eq!(percent_decode("a%20b+c"), "a b c");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%2F"), "/");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
