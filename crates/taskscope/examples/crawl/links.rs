//! Finding links in a page and resolving them against the page's URL.
//!
//! Deliberately small: `href` attributes found by scanning the HTML, and
//! the resolution rules of RFC 3986 that pages actually use (absolute,
//! scheme-relative, root-relative and relative links, `.` and `..`
//! segments, fragments dropped). A real crawler would use an HTML parser
//! and the `url` crate; neither is what this example is about.

use hyper::Uri;
use hyper::http::uri::{Authority, Scheme};

/// The values of the `href` attributes in `html`, in order.
pub(crate) fn hrefs(html: &str) -> Vec<&str> {
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(found) = lower[from..].find("href") {
        let mut at = from + found + "href".len();
        from = at;
        let rest = &html[at..];
        let trimmed = rest.trim_start();
        let Some(after_eq) = trimmed.strip_prefix('=') else { continue };
        at += rest.len() - after_eq.len();
        let value = after_eq.trim_start();
        at += after_eq.len() - value.len();
        let (start, end) = match value.chars().next() {
            Some(quote @ ('"' | '\'')) => {
                let Some(len) = value[1..].find(quote) else { break };
                (at + 1, at + 1 + len)
            }
            Some(_) => {
                let len = value
                    .find(|c: char| c.is_ascii_whitespace() || c == '>')
                    .unwrap_or(value.len());
                (at, at + len)
            }
            None => break,
        };
        out.push(&html[start..end]);
        from = end;
    }
    out
}

/// Resolves `href`, found on the page at `base`, to an absolute URL
/// without its fragment. `None` for a link to the page itself (`#top`)
/// and for links that are not http or https (`mailto:`, `javascript:`).
pub(crate) fn resolve(base: &Uri, href: &str) -> Option<Uri> {
    let href = href.trim();
    let href = href.split('#').next().unwrap_or_default();
    if href.is_empty() {
        return None;
    }
    let scheme = base.scheme().cloned().unwrap_or(Scheme::HTTP);
    let authority = base.authority()?.clone();
    if let Some(rest) = href.strip_prefix("//") {
        return format!("{scheme}://{rest}").parse().ok().filter(has_host);
    }
    let has_scheme =
        href.find(':').is_some_and(|colon| !href[..colon].contains(['/', '?']) && colon > 0);
    if has_scheme {
        let uri: Uri = href.parse().ok()?;
        return matches!(uri.scheme_str(), Some("http" | "https")).then_some(uri).filter(has_host);
    }
    let (path, query) = match href.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (href, None),
    };
    let joined = if path.starts_with('/') {
        path.to_owned()
    } else if path.is_empty() {
        base.path().to_owned()
    } else {
        let base_path = base.path();
        let dir = &base_path[..base_path.rfind('/').map_or(0, |i| i + 1)];
        format!("{dir}{path}")
    };
    let mut path_and_query = normalize(&joined);
    if let Some(query) = query {
        path_and_query.push('?');
        path_and_query.push_str(query);
    }
    build(scheme, authority, &path_and_query)
}

/// Whether `uri` is on the same site as `origin` (same scheme and host).
pub(crate) fn same_site(uri: &Uri, origin: &Uri) -> bool {
    uri.scheme() == origin.scheme() && uri.authority() == origin.authority()
}

fn has_host(uri: &Uri) -> bool {
    uri.authority().is_some_and(|a| !a.host().is_empty())
}

fn build(scheme: Scheme, authority: Authority, path_and_query: &str) -> Option<Uri> {
    Uri::builder().scheme(scheme).authority(authority).path_and_query(path_and_query).build().ok()
}

/// Removes `.` and `..` segments from an absolute path.
fn normalize(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    let trailing_slash = path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..");
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            segment => segments.push(segment),
        }
    }
    let mut out = String::from("/");
    out.push_str(&segments.join("/"));
    if trailing_slash && !segments.is_empty() {
        out.push('/');
    }
    out
}
