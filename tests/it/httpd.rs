//! A small HTTP/1.1 server on 127.0.0.1 for the tests: it answers from a handler, and can also
//! misbehave the ways real servers do (stall, break off mid-body), which a ready-made server
//! will not do on request.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

/// One request as the server read it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What the server does with a request.
pub enum Reply {
    /// A complete answer.
    Full {
        status: u16,
        content_type: &'static str,
        body: Vec<u8>,
    },
    /// Sends the head and `sent` of the body, then says nothing for this long.
    Stall { sent: Vec<u8>, for_: Duration },
    /// Declares `declared` bytes of body, sends `sent`, and closes the connection.
    Cut { sent: Vec<u8>, declared: usize },
}

impl Reply {
    pub fn ok(body: impl Into<Vec<u8>>) -> Reply {
        Reply::Full {
            status: 200,
            content_type: "application/octet-stream",
            body: body.into(),
        }
    }

    pub fn status(status: u16) -> Reply {
        Reply::Full {
            status,
            content_type: "text/html; charset=utf-8",
            body: format!("<html><body><h1>{status}</h1></body></html>\n").into_bytes(),
        }
    }
}

type Handler = dyn Fn(&Request) -> Reply + Send + Sync;

/// A running server; it lives as long as the test holds it (its threads are detached).
pub struct Httpd {
    pub port: u16,
}

impl Httpd {
    pub fn start(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Httpd {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().unwrap().port();
        let handler: Arc<Handler> = Arc::new(handler);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let handler = Arc::clone(&handler);
                std::thread::spawn(move || serve(stream, &*handler));
            }
        });
        Httpd { port }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (n, v) = h.split_once(':')?;
        headers.push((n.trim().to_owned(), v.trim().to_owned()));
    }
    let mut req = Request {
        method,
        path,
        headers,
        body: Vec::new(),
    };
    let len: usize = req
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    req.body = vec![0; len];
    reader.read_exact(&mut req.body).ok()?;
    Some(req)
}

fn serve(stream: TcpStream, handler: &Handler) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone the socket"));
    let mut out = stream;
    while let Some(req) = read_request(&mut reader) {
        let head = |status: u16, ctype: &str, len: usize| {
            format!(
                "HTTP/1.1 {status} {}\r\nContent-Type: {ctype}\r\nContent-Length: {len}\r\n\r\n",
                reason(status)
            )
        };
        match handler(&req) {
            Reply::Full {
                status,
                content_type,
                body,
            } => {
                let ok = out
                    .write_all(head(status, content_type, body.len()).as_bytes())
                    .and_then(|()| out.write_all(&body))
                    .and_then(|()| out.flush());
                if ok.is_err() {
                    return;
                }
            }
            Reply::Stall { sent, for_ } => {
                let _ = out.write_all(head(200, "application/octet-stream", 1 << 30).as_bytes());
                let _ = out.write_all(&sent);
                let _ = out.flush();
                std::thread::sleep(for_);
                return;
            }
            Reply::Cut { sent, declared } => {
                let _ = out.write_all(head(200, "application/octet-stream", declared).as_bytes());
                let _ = out.write_all(&sent);
                let _ = out.flush();
                let _ = out.shutdown(std::net::Shutdown::Both);
                return;
            }
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// A port on 127.0.0.1 that nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}
