//! A small HTTP/1.1 client over `std::net::TcpStream`, enough to push metrics and to query
//! a server in tests: `http://` only (no TLS in this build), one request per connection,
//! `Content-Length` and chunked responses.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use crate::MetricsError;

/// How long a connection may take to open.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a read or write may stall.
const IO_TIMEOUT: Duration = Duration::from_secs(30);

/// A parsed `http://host[:port][/path][?query]` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    /// The URL as given.
    pub text: String,
    /// Host name or address (IPv6 without brackets).
    pub host: String,
    /// Port (80 by default).
    pub port: u16,
    /// Path and query, `/` at least.
    pub path: String,
}

impl Url {
    /// Parses an `http://` URL; `https://` and other schemes are refused with the reason.
    pub fn parse(text: &str) -> Result<Url, MetricsError> {
        let bad = |why| MetricsError::BadUrl {
            url: text.to_string(),
            why,
        };
        let rest = match text.split_once("://") {
            Some(("http", rest)) => rest,
            Some(("https", _)) => {
                return Err(bad("only http:// is supported (this build has no TLS)"));
            }
            Some(_) => return Err(bad("only http:// URLs are supported")),
            None => return Err(bad("it must start with http://")),
        };
        let (authority, path) = match rest.find(['/', '?']) {
            Some(i) if rest.as_bytes()[i] == b'/' => (&rest[..i], rest[i..].to_string()),
            Some(i) => (&rest[..i], format!("/{}", &rest[i..])),
            None => (rest, "/".to_string()),
        };
        if authority.contains('@') {
            return Err(bad("user names and passwords in URLs are not supported"));
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, after) = v6
                .split_once(']')
                .ok_or_else(|| bad("unclosed [ in the host"))?;
            (h, after.strip_prefix(':'))
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            }
        };
        if host.is_empty() {
            return Err(bad("it has no host"));
        }
        let port = match port {
            None => 80,
            Some(p) => p
                .parse::<u16>()
                .map_err(|_| bad("the port is not a number from 0 to 65535"))?,
        };
        Ok(Url {
            text: text.to_string(),
            host: host.to_string(),
            port,
            path,
        })
    }

    /// This URL with another path and query (`/api/v1/query?...`).
    pub fn with_path(&self, path: &str) -> Url {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        Url {
            text: format!("http://{host}:{}{path}", self.port),
            host: self.host.clone(),
            port: self.port,
            path: path.to_string(),
        }
    }
}

/// A response: status code and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The body (chunked encoding undone).
    pub body: Vec<u8>,
}

impl Response {
    /// The body's first non-empty line, at most 200 characters, for messages.
    pub fn first_line(&self) -> String {
        String::from_utf8_lossy(&self.body)
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("")
            .chars()
            .take(200)
            .collect()
    }
}

fn connect(url: &Url) -> io::Result<TcpStream> {
    let mut last = io::Error::new(
        io::ErrorKind::NotFound,
        "the host name resolves to no address",
    );
    for addr in (url.host.as_str(), url.port).to_socket_addrs()? {
        match TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
            Ok(s) => {
                s.set_read_timeout(Some(IO_TIMEOUT))?;
                s.set_write_timeout(Some(IO_TIMEOUT))?;
                return Ok(s);
            }
            Err(e) => last = e,
        }
    }
    Err(last)
}

fn invalid(why: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("bad HTTP response: {why}"),
    )
}

/// Sends one request and reads the whole response. Transport failures (refused, timed out,
/// a malformed answer) are `io::Error`s; any HTTP status is a [`Response`].
pub fn request(
    url: &Url,
    method: &str,
    content_type: Option<&str>,
    body: &[u8],
) -> io::Result<Response> {
    let mut s = connect(url)?;
    let mut head = format!(
        "{method} {} HTTP/1.1\r\nHost: {}:{}\r\nUser-Agent: jumper/{}\r\nAccept: */*\r\nConnection: close\r\n",
        url.path,
        url.host,
        url.port,
        env!("CARGO_PKG_VERSION")
    );
    if let Some(ct) = content_type {
        head.push_str(&format!("Content-Type: {ct}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    s.write_all(head.as_bytes())?;
    s.write_all(body)?;
    s.flush()?;
    let mut r = BufReader::new(s);
    let mut line = String::new();
    r.read_line(&mut line)?;
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse::<u16>().ok())
        .ok_or_else(|| invalid("no status line"))?;
    let mut length: Option<usize> = None;
    let mut chunked = false;
    loop {
        line.clear();
        if r.read_line(&mut line)? == 0 {
            return Err(invalid("the headers end early"));
        }
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
            if k == "content-length" {
                length = Some(v.parse().map_err(|_| invalid("bad Content-Length"))?);
            } else if k == "transfer-encoding" && v.to_ascii_lowercase().contains("chunked") {
                chunked = true;
            }
        }
    }
    let mut body = Vec::new();
    if method == "HEAD" || status == 204 || status == 304 {
        // No body.
    } else if chunked {
        loop {
            line.clear();
            r.read_line(&mut line)?;
            let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
                .map_err(|_| invalid("bad chunk size"))?;
            if size == 0 {
                break;
            }
            let start = body.len();
            body.resize(start + size, 0);
            r.read_exact(&mut body[start..])?;
            line.clear();
            r.read_line(&mut line)?;
        }
    } else if let Some(n) = length {
        body.resize(n, 0);
        r.read_exact(&mut body)?;
    } else {
        r.read_to_end(&mut body)?;
    }
    Ok(Response { status, body })
}

/// `GET url` (for tests and queries).
pub fn get(url: &Url) -> io::Result<Response> {
    request(url, "GET", None, &[])
}

/// Percent-encodes a query-string value.
pub fn encode_query(v: &str) -> String {
    let mut out = String::with_capacity(v.len() * 3);
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_http_urls_and_refuses_others() {
        let u = Url::parse("http://127.0.0.1:8428/write?db=x").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.path.as_str()),
            ("127.0.0.1", 8428, "/write?db=x")
        );
        let u = Url::parse("http://gw").unwrap();
        assert_eq!((u.host.as_str(), u.port, u.path.as_str()), ("gw", 80, "/"));
        let u = Url::parse("http://[::1]:9091").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("::1", 9091));
        assert_eq!(u.with_path("/x").text, "http://[::1]:9091/x");
        let u = Url::parse("http://h?x=1").unwrap();
        assert_eq!(u.path, "/?x=1");
        for (bad, why) in [
            (
                "https://h/write",
                "only http:// is supported (this build has no TLS)",
            ),
            ("ftp://h", "only http:// URLs are supported"),
            ("127.0.0.1:8428", "it must start with http://"),
            ("http://:80/", "it has no host"),
            (
                "http://h:99999/",
                "the port is not a number from 0 to 65535",
            ),
            (
                "http://u:p@h/",
                "user names and passwords in URLs are not supported",
            ),
        ] {
            let e = Url::parse(bad).unwrap_err();
            assert_eq!(e.to_string(), format!("bad URL '{bad}': {why}"));
        }
    }

    #[test]
    fn talks_to_a_server_content_length_and_chunked() {
        use std::net::TcpListener;
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let mut got = Vec::new();
            for answer in [
                "HTTP/1.1 204 No Content\r\n\r\n".to_string(),
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n".to_string(),
                "HTTP/1.1 400 Bad Request\r\nContent-Length: 12\r\n\r\nbad line 3\r\n".to_string(),
            ] {
                let (mut s, _) = l.accept().unwrap();
                let mut r = BufReader::new(s.try_clone().unwrap());
                let mut req = String::new();
                let mut len = 0usize;
                loop {
                    let mut line = String::new();
                    r.read_line(&mut line).unwrap();
                    if let Some(v) = line.strip_prefix("Content-Length: ") {
                        len = v.trim().parse().unwrap();
                    }
                    req.push_str(&line);
                    if line == "\r\n" {
                        break;
                    }
                }
                let mut body = vec![0; len];
                r.read_exact(&mut body).unwrap();
                got.push((req, String::from_utf8(body).unwrap()));
                s.write_all(answer.as_bytes()).unwrap();
            }
            got
        });
        let u = Url::parse(&format!("http://127.0.0.1:{port}/write")).unwrap();
        let r = request(&u, "POST", Some("text/plain"), b"m value=1 2").unwrap();
        assert_eq!(r.status, 204);
        let r = get(&u.with_path("/q?x=1")).unwrap();
        assert_eq!(
            (r.status, r.body.as_slice()),
            (200, b"hello world".as_slice())
        );
        let r = request(&u, "PUT", None, b"").unwrap();
        assert_eq!((r.status, r.first_line().as_str()), (400, "bad line 3"));
        let got = server.join().unwrap();
        assert!(
            got[0].0.starts_with("POST /write HTTP/1.1\r\n"),
            "{}",
            got[0].0
        );
        assert!(got[0].0.contains("Content-Type: text/plain\r\n"));
        assert_eq!(got[0].1, "m value=1 2");
        assert!(got[1].0.starts_with("GET /q?x=1 HTTP/1.1\r\n"));
        assert!(got[2].0.starts_with("PUT /write HTTP/1.1\r\n"));
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(
            encode_query("sum by (cell) (x{a=\"b\"})"),
            "sum%20by%20%28cell%29%20%28x%7Ba%3D%22b%22%7D%29"
        );
    }
}
