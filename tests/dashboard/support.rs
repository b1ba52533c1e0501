//! Helpers for the dashboard tests: a tiny blocking HTTP/1.1 client, an SSE
//! reader, and fake resources that report any statistics we like (so every
//! section of the page and of /metrics can be exercised before the real
//! primitives land).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use vigil_detector::{Resource, ResourceKind, ResourceMeta, ResourceStats};

/// An HTTP answer.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// `GET path` with extra request headers; reads the whole answer.
pub fn get_with(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> Resp {
    request(addr, "GET", path, headers)
}

/// `GET path`.
pub fn get(addr: SocketAddr, path: &str) -> Resp {
    request(addr, "GET", path, &[])
}

pub fn request(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)]) -> Resp {
    request_body(addr, method, path, headers, "")
}

/// A request with a body (sent with its `Content-Length`).
pub fn request_body(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Resp {
    let mut s = TcpStream::connect(addr).expect("connect to the server");
    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        req.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).unwrap();
    // Read until the answer is complete: some servers keep the connection
    // open despite `Connection: close`, so honour Content-Length / chunking.
    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        if complete(&raw) {
            break;
        }
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(e) => panic!("read the answer: {e}"),
        }
    }
    parse(&raw)
}

fn complete(raw: &[u8]) -> bool {
    let Some(split) = raw.windows(4).position(|w| w == b"\r\n\r\n") else { return false };
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let body = &raw[split + 4..];
    for line in head.split("\r\n") {
        if let Some(v) = line.strip_prefix("content-length:") {
            return v.trim().parse::<usize>().is_ok_and(|n| body.len() >= n);
        }
        if line.starts_with("transfer-encoding:") && line.contains("chunked") {
            return body.ends_with(b"0\r\n\r\n");
        }
    }
    false
}

fn parse(raw: &[u8]) -> Resp {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("end of headers");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut body = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    Resp { status, headers, body: String::from_utf8_lossy(&body).into_owned() }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = b.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&b[..eol]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = eol + 2;
        out.extend_from_slice(&b[start..(start + size).min(b.len())]);
        b = &b[(start + size + 2).min(b.len())..];
    }
    out
}

/// One server-sent event.
#[derive(Debug, Default, Clone)]
pub struct SseEvent {
    pub id: Option<String>,
    pub event: Option<String>,
    pub data: String,
}

/// A connected SSE client reading `/api/events`.
pub struct SseClient {
    reader: BufReader<TcpStream>,
}

impl SseClient {
    /// Connects and reads past the answer's headers.
    pub fn connect(addr: SocketAddr, path: &str) -> SseClient {
        let s = open_stream(addr, path);
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut reader = BufReader::new(s);
        let mut line = String::new();
        loop {
            line.clear();
            reader.read_line(&mut line).expect("headers");
            if line == "\r\n" || line.is_empty() {
                break;
            }
        }
        SseClient { reader }
    }

    /// The next event (skipping comments and keep-alives); `None` at the end of the stream.
    pub fn next(&mut self) -> Option<SseEvent> {
        let mut ev = SseEvent::default();
        let mut any = false;
        let mut line = String::new();
        loop {
            line.clear();
            // Chunk-size lines of the chunked encoding are hex numbers alone on a line.
            match self.reader.read_line(&mut line) {
                Ok(0) | Err(_) => return None,
                Ok(_) => {}
            }
            let l = line.trim_end_matches(['\r', '\n']);
            if l.is_empty() {
                if any {
                    return Some(ev);
                }
                continue;
            }
            if l == "0" && !any {
                return None; // the last chunk
            }
            if let Some(v) = l.strip_prefix("data:") {
                if !ev.data.is_empty() {
                    ev.data.push('\n');
                }
                ev.data.push_str(v.strip_prefix(' ').unwrap_or(v));
                any = true;
            } else if let Some(v) = l.strip_prefix("id:") {
                ev.id = Some(v.trim().to_string());
                any = true;
            } else if let Some(v) = l.strip_prefix("event:") {
                ev.event = Some(v.trim().to_string());
                any = true;
            }
        }
    }
}

/// Sends a GET and returns the socket without reading anything.
pub fn open_stream(addr: SocketAddr, path: &str) -> TcpStream {
    let mut s = TcpStream::connect(addr).expect("connect");
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n");
    s.write_all(req.as_bytes()).unwrap();
    s
}

/// A resource that reports whatever statistics a test sets.
pub struct Fake {
    meta: ResourceMeta,
    stats: Mutex<ResourceStats>,
    summary: String,
}

impl Fake {
    pub fn set(&self, stats: ResourceStats) {
        *self.stats.lock().unwrap() = stats;
    }

    pub fn id(&self) -> u64 {
        self.meta.id().0
    }
}

impl Resource for Fake {
    fn meta(&self) -> &ResourceMeta {
        &self.meta
    }

    fn summary(&self) -> String {
        self.summary.clone()
    }

    fn stats(&self) -> ResourceStats {
        self.stats.lock().unwrap().clone()
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        vigil_detector::unregister_resource(self.meta.id());
    }
}

/// Registers a fake resource; it disappears when the last `Arc` drops.
#[track_caller]
pub fn fake(kind: ResourceKind, name: &str, stats: ResourceStats) -> Arc<Fake> {
    let f = Arc::new(Fake {
        meta: ResourceMeta::new(kind, Some(name.to_string()), std::panic::Location::caller()),
        stats: Mutex::new(stats),
        summary: format!("fake {kind} {name}"),
    });
    vigil_detector::register_resource(f.clone());
    f
}
