//! The one route table: method and path to what answers them. The server and the offline
//! handler the fuzzer drives both dispatch through [`route`], so the fuzzed routing is the
//! served routing.

use axum::http::Method;

/// What answers a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route<'a> {
    /// `POST /admin/<op>`: an admin call.
    Admin(&'a str),
    /// `POST /web/take` or `/web/drop`: a signed-in user's form.
    Web(&'a str),
    /// `GET /login`: sign in.
    Login,
    /// `POST /logout`: sign out.
    Logout,
    /// Anything else: the pages (which answer only GET and HEAD themselves).
    Page,
    /// A known path asked with a method it does not take.
    MethodNotAllowed,
    /// A path under a known prefix that names nothing.
    NotFound,
}

/// The route of `method` and the raw `path`.
pub fn route<'a>(method: &Method, path: &'a str) -> Route<'a> {
    let post = method == Method::POST;
    let get = method == Method::GET || method == Method::HEAD;
    if let Some(op) = path.strip_prefix("/admin/") {
        return match (post, op.contains('/')) {
            (_, true) => Route::NotFound,
            (true, false) => Route::Admin(op),
            (false, false) => Route::MethodNotAllowed,
        };
    }
    if let Some(verb) = path.strip_prefix("/web/") {
        return match (post, verb) {
            (true, "take" | "drop") => Route::Web(verb),
            (false, "take" | "drop") => Route::MethodNotAllowed,
            _ => Route::NotFound,
        };
    }
    match path {
        "/login" if get => Route::Login,
        "/logout" if post => Route::Logout,
        "/login" | "/logout" => Route::MethodNotAllowed,
        _ => Route::Page,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table() {
        let (get, post) = (Method::GET, Method::POST);
        assert_eq!(
            route(&post, "/admin/setpackage"),
            Route::Admin("setpackage")
        );
        assert_eq!(route(&get, "/admin/setpackage"), Route::MethodNotAllowed);
        assert_eq!(route(&post, "/admin/a/b"), Route::NotFound);
        assert_eq!(route(&post, "/web/take"), Route::Web("take"));
        assert_eq!(route(&get, "/web/drop"), Route::MethodNotAllowed);
        assert_eq!(route(&post, "/web/other"), Route::NotFound);
        assert_eq!(route(&Method::HEAD, "/login"), Route::Login);
        assert_eq!(route(&post, "/login"), Route::MethodNotAllowed);
        assert_eq!(route(&post, "/logout"), Route::Logout);
        assert_eq!(route(&get, "/logout"), Route::MethodNotAllowed);
        assert_eq!(route(&get, "/perl-Foo"), Route::Page);
        assert_eq!(route(&post, "/packages.txt"), Route::Page);
    }
}
