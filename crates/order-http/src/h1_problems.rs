//! Problems for the answers that actix-http's HTTP/1 dispatcher gives by itself. A request head it cannot parse
//! (`Content-Length` together with `Transfer-Encoding`, say) is answered `400`, a head over its buffer (a 70 KB
//! path) `431`, a head that does not arrive in time `408` — all with an empty body, before any service or
//! middleware sees a request (actix-http 3.x, `h1/dispatcher.rs`; neither `HttpServer` nor `HttpService` has a
//! hook for them). So the connection itself is wrapped: a response head the server writes with an error status,
//! `content-length: 0` and no content type can only be one of those (every error the app answers is a problem,
//! `problem_responses`), and it goes out as a problem instead. The dispatcher closes the connection after each of
//! them, so nothing that follows on the connection is disturbed.

use std::io;
use std::pin::Pin;
use std::sync::LazyLock;
use std::task::{ready, Context, Poll};

use actix_web::http::StatusCode;
use memchr::memmem::Finder;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::problem::{Problem, PROBLEM_JSON};

/// A connection whose bodiless error answers are written as problems.
pub struct ProblemIo<T> {
    inner: T,
    /// A rewritten answer not yet all written, and how much of it is.
    pending: Vec<u8>,
    written: usize,
}

impl<T> ProblemIo<T> {
    pub fn new(inner: T) -> Self {
        Self {
            inner,
            pending: Vec::new(),
            written: 0,
        }
    }
}

impl<T: AsyncWrite + Unpin> ProblemIo<T> {
    /// Writes what is left of a rewritten answer.
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.written < self.pending.len() {
            let n =
                ready!(Pin::new(&mut self.inner).poll_write(cx, &self.pending[self.written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.written += n;
        }
        self.pending.clear();
        self.written = 0;
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for ProblemIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for ProblemIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        let Some(rewritten) = rewrite(buf) else {
            return Pin::new(&mut this.inner).poll_write(cx, buf);
        };
        this.pending = rewritten;
        this.written = 0;
        // Whatever does not go out now goes out on the next write, flush or shutdown.
        if let Poll::Ready(Err(error)) = this.poll_drain(cx) {
            return Poll::Ready(Err(error));
        }
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

/// `bytes` with each bodiless error answer in it made a problem; `None` when there is none. Every buffer the
/// server writes passes here, a list page's 20 KB body too: the heads are found with `memchr`'s vectorized
/// search, a head whose status is no error is passed over by its first digit, and nothing is copied unless an
/// answer is rewritten.
fn rewrite(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out: Option<Vec<u8>> = None;
    // Where the bytes not yet in `out` start, and where the search goes on.
    let mut copied = 0;
    let mut from = 0;
    while let Some(at) = HEAD_START.find(&bytes[from..]).map(|i| from + i) {
        let Some(end) = HEAD_END.find(&bytes[at..]).map(|i| at + i + END.len()) else {
            break;
        };
        if let Some(problem) = as_problem(&bytes[at..end]) {
            let out = out.get_or_insert_with(|| Vec::with_capacity(bytes.len() + problem.len()));
            out.extend_from_slice(&bytes[copied..at]);
            out.extend_from_slice(&problem);
            copied = end;
        }
        from = end;
    }
    let mut out = out?;
    out.extend_from_slice(&bytes[copied..]);
    Some(out)
}

const START: &[u8] = b"HTTP/1.1 ";
const END: &[u8] = b"\r\n\r\n";
// Built once: `memmem::find` builds its searcher on every call, more work than a get's whole search.
static HEAD_START: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(START));
static HEAD_END: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(END));

/// The problem answer for a response head with an error status, `content-length: 0` and no content type.
fn as_problem(head: &[u8]) -> Option<Vec<u8>> {
    // A status from 400 to 599 starts with its digit: any other head is not parsed.
    if !matches!(head.get(START.len()), Some(b'4' | b'5')) {
        return None;
    }
    let head = std::str::from_utf8(head).ok()?;
    let mut lines = head.trim_end().split("\r\n");
    let status_line = lines.next()?;
    let code: u16 = status_line.get(9..12)?.parse().ok()?;
    let status = StatusCode::from_u16(code).ok()?;
    if !(status.is_client_error() || status.is_server_error()) {
        return None;
    }
    let headers: Vec<&str> = lines.collect();
    let name_is = |line: &str, name: &str| {
        line.split_once(':')
            .is_some_and(|(n, _)| n.trim().eq_ignore_ascii_case(name))
    };
    let bodiless = headers.iter().any(|line| {
        name_is(line, "content-length")
            && line.split_once(':').is_some_and(|(_, v)| v.trim() == "0")
    });
    if !bodiless || headers.iter().any(|line| name_is(line, "content-type")) {
        return None;
    }
    let body = serde_json::to_vec(&problem_for(status)).ok()?;
    let mut answer = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: {PROBLEM_JSON}\r\ncontent-length: {}\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error"),
        body.len()
    );
    for line in headers
        .iter()
        .filter(|line| !name_is(line, "content-length"))
    {
        answer.push_str(line);
        answer.push_str("\r\n");
    }
    answer.push_str("\r\n");
    let mut answer = answer.into_bytes();
    answer.extend_from_slice(&body);
    Some(answer)
}

fn problem_for(status: StatusCode) -> Problem {
    match status {
        StatusCode::BAD_REQUEST => Problem::new(
            "/problems/malformed-request",
            "The request cannot be read",
            status,
        )
        .detail(
            "the request is not well-formed HTTP/1.1 (for one, Content-Length and Transfer-Encoding \
             must not come together)",
        ),
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => Problem::new(
            "/problems/request-head-too-large",
            "Request head too large",
            status,
        )
        .detail("the request line and headers together are larger than this server reads"),
        StatusCode::REQUEST_TIMEOUT => Problem::new(
            "/problems/request-timeout",
            "Request too slow",
            status,
        )
        .detail("the request head did not arrive in time"),
        _ => Problem::status(status),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bodiless_error_head_becomes_a_problem_and_other_bytes_pass_unchanged() {
        let bare = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\nconnection: close\r\ndate: x\r\n\r\n";
        let before = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}";
        let bytes = [before.as_slice(), bare.as_slice()].concat();
        let out = String::from_utf8(rewrite(&bytes).expect("a rewrite")).expect("text");
        let (kept, answer) = out.split_at(before.len());
        assert_eq!(kept.as_bytes(), before);
        assert!(answer.starts_with("HTTP/1.1 431 "), "{answer}");
        assert!(
            answer.contains("content-type: application/problem+json\r\n"),
            "{answer}"
        );
        assert!(answer.contains("connection: close\r\n"), "{answer}");
        let (_, body) = answer.split_once("\r\n\r\n").expect("a head");
        assert!(
            answer.contains(&format!("content-length: {}\r\n", body.len())),
            "{answer}"
        );
        let body: serde_json::Value = serde_json::from_str(body).expect("JSON");
        assert_eq!(body["status"], 431);
        assert_eq!(body["type"], "/problems/request-head-too-large");
    }

    #[test]
    fn answers_with_a_body_or_a_success_status_are_left_alone() {
        for bytes in [
            b"HTTP/1.1 404 Not Found\r\ncontent-length: 2\r\ncontent-type: application/problem+json\r\n\r\n{}".as_slice(),
            b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n".as_slice(),
            b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n".as_slice(),
            b"HTTP/1.1 400 Bad Req".as_slice(),
        ] {
            assert_eq!(rewrite(bytes), None, "{}", String::from_utf8_lossy(bytes));
        }
    }

    #[test]
    fn a_big_body_with_no_error_head_is_left_alone() {
        let body = "{\"note\":\"HTTP/1.1 400 in a note\",\"x\":\"HTTP/1.1 \"}".repeat(500);
        let answer = format!(
            "HTTP/1.1 200 OK\r\ncontent-length: {}\r\ncontent-type: application/json\r\n\r\n{body}",
            body.len()
        );
        assert!(answer.len() > 20_000);
        assert_eq!(rewrite(answer.as_bytes()), None);
        assert_eq!(rewrite(body.as_bytes()), None);
    }

    /// The answers of a buffer, head and body, each body as long as its head's `content-length`.
    fn answers(mut bytes: &str) -> Vec<(&str, &str)> {
        let mut answers = Vec::new();
        while let Some((head, rest)) = bytes.split_once("\r\n\r\n") {
            let length: usize = head
                .split("\r\n")
                .find_map(|line| line.strip_prefix("content-length: "))
                .and_then(|n| n.parse().ok())
                .expect("a length");
            let (body, rest) = rest.split_at(length);
            answers.push((head, body));
            bytes = rest;
        }
        assert_eq!(bytes, "", "nothing after the last answer");
        answers
    }

    #[test]
    fn each_bodiless_error_head_of_a_pipelined_buffer_becomes_a_problem() {
        let ok = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}";
        let first = "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n";
        let second =
            "HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
        let bytes = [ok, first, ok, second].concat();
        let out = String::from_utf8(rewrite(bytes.as_bytes()).expect("a rewrite")).expect("text");
        let answers = answers(&out);
        assert_eq!(answers.len(), 4, "{out}");
        for (head, body) in [&answers[0], &answers[2]] {
            assert_eq!(format!("{head}\r\n\r\n{body}"), ok);
        }
        for ((head, body), status, kind) in [
            (&answers[1], 400, "/problems/malformed-request"),
            (&answers[3], 408, "/problems/request-timeout"),
        ] {
            assert!(head.starts_with(&format!("HTTP/1.1 {status} ")), "{head}");
            assert!(head.contains(PROBLEM_JSON), "{head}");
            let body: serde_json::Value = serde_json::from_str(body).expect("a problem");
            assert_eq!(body["status"], status);
            assert_eq!(body["type"], kind);
        }
        assert!(answers[3].0.contains("connection: close"), "{out}");
    }

    /// The rewrite before it searched with `memchr` and copied only when it changed something.
    fn rewrite_as_it_was(bytes: &[u8]) -> Option<Vec<u8>> {
        fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
            haystack
                .windows(needle.len())
                .position(|window| window == needle)
        }
        let mut out = Vec::new();
        let mut from = 0;
        let mut changed = false;
        while let Some(at) = find(&bytes[from..], START).map(|i| from + i) {
            let Some(end) = find(&bytes[at..], b"\r\n\r\n").map(|i| at + i + 4) else {
                break;
            };
            match as_problem(&bytes[at..end]) {
                Some(problem) => {
                    out.extend_from_slice(&bytes[from..at]);
                    out.extend_from_slice(&problem);
                    changed = true;
                }
                None => out.extend_from_slice(&bytes[from..end]),
            }
            from = end;
        }
        out.extend_from_slice(&bytes[from..]);
        changed.then_some(out)
    }

    #[test]
    fn buffers_are_rewritten_as_before() {
        let pieces: [&[u8]; 12] = [
            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}",
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n",
            b"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length:0\r\n\r\n",
            b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nx: y\r\n\r\n",
            b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\ncontent-type: text/plain\r\n\r\n",
            b"HTTP/1.1 599 x\r\ncontent-length: 0\r\n\r\n",
            b"HTTP/1.1 600 x\r\ncontent-length: 0\r\n\r\n",
            b"HTTP/1.1 4\r\n\r\n",
            b"HTTP/1.1 +45 x\r\ncontent-length: 0\r\n\r\n",
            b"HTTP/1.1 408 \xff\r\ncontent-length: 0\r\n\r\n",
            b"HTTP/1.1 HTTP/1.1 400 x\r\ncontent-length: 0\r\n\r\n",
            b"HTTP/1.1 400 Bad Req",
        ];
        for a in pieces {
            for b in pieces {
                for c in [b"".as_slice(), b"body", b"HTTP/1.", b"\r\n\r\n"] {
                    let bytes = [a, c, b, c].concat();
                    assert_eq!(
                        rewrite(&bytes),
                        rewrite_as_it_was(&bytes),
                        "{}",
                        String::from_utf8_lossy(&bytes)
                    );
                }
            }
        }
    }
}
