//! Pushing a session: line protocol to an Influx-style `/write` endpoint, summaries to a
//! Prometheus Pushgateway. Both retry with backoff and never touch the session on disk.
//!
//! A transport failure (refused, timed out, reset) and an HTTP 5xx are retried
//! ([`Retry`]: 5 attempts, 0.2 s doubling, 3 s of waiting in all); a 4xx is final at once
//! (the server read the data and refused it).

use std::time::{Duration, Instant};

use base64::Engine as _;

use crate::http::{self, Response, Url};
use crate::set::{MetricSet, Target};
use crate::MetricsError;

/// Lines per line-protocol request.
pub const BATCH_LINES: usize = 5000;

/// How often and how patiently to retry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Retry {
    /// Attempts in all (at least 1).
    pub attempts: u32,
    /// Wait before the second attempt; doubled before each further one.
    pub first_delay: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            attempts: 5,
            first_delay: Duration::from_millis(200),
        }
    }
}

/// Sends one request with retries; a final 4xx or 5xx is [`MetricsError::Rejected`], a
/// transport failure after every attempt [`MetricsError::Unreachable`].
pub fn send(
    url: &Url,
    method: &str,
    content_type: Option<&str>,
    body: &[u8],
    retry: &Retry,
) -> Result<Response, MetricsError> {
    let start = Instant::now();
    let attempts = retry.attempts.max(1);
    let mut delay = retry.first_delay;
    let mut n = 0;
    loop {
        n += 1;
        let last = n >= attempts;
        match http::request(url, method, content_type, body) {
            Ok(r) if r.status < 400 => return Ok(r),
            Ok(r) if r.status < 500 || last => {
                return Err(MetricsError::Rejected {
                    url: url.text.clone(),
                    status: r.status,
                    body: r.first_line(),
                })
            }
            Ok(_) => {}
            Err(source) if last => {
                return Err(MetricsError::Unreachable {
                    url: url.text.clone(),
                    attempts: n,
                    seconds: start.elapsed().as_secs_f64(),
                    source,
                })
            }
            Err(_) => {}
        }
        std::thread::sleep(delay);
        delay *= 2;
    }
}

/// What a push sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pushed {
    /// Requests made (not counting retries).
    pub requests: usize,
    /// Lines or samples sent.
    pub samples: usize,
}

/// Writes the set as line protocol to `url` (e.g. `http://127.0.0.1:8428/write`), in
/// batches of [`BATCH_LINES`], timestamps in seconds (`precision=s` is added to the query).
pub fn push_influx(url: &str, set: &MetricSet, retry: &Retry) -> Result<Pushed, MetricsError> {
    let mut u = Url::parse(url)?;
    if !u.path.contains("precision=") {
        let sep = if u.path.contains('?') { '&' } else { '?' };
        u = Url {
            path: format!("{}{sep}precision=s", u.path),
            ..u
        };
    }
    let lines = crate::influx::line_protocol(set);
    let mut pushed = Pushed::default();
    for batch in lines.chunks(BATCH_LINES) {
        let mut body = batch.join("\n");
        body.push('\n');
        send(
            &u,
            "POST",
            Some("text/plain; charset=utf-8"),
            body.as_bytes(),
            retry,
        )?;
        pushed.requests += 1;
        pushed.samples += batch.len();
    }
    Ok(pushed)
}

/// A grouping-key value as a URL path segment: as it is when URL-safe, else Pushgateway's
/// `label@base64/<base64url>` form.
fn key_segment(label: &str, value: &str) -> String {
    let safe = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'));
    if safe {
        format!("{label}/{value}")
    } else {
        let enc = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.as_bytes());
        format!(
            "{label}@base64/{}",
            if enc.is_empty() { "=".into() } else { enc }
        )
    }
}

/// The Pushgateway path of a session's group: `/metrics/job/jumper/jobid/<id>/node/<node>`.
/// Errors when the target lacks the job id or node (say them with `--jobid` / `--node`).
pub fn grouping_path(target: &Target) -> Result<String, MetricsError> {
    let jobid = target.jobid.as_deref().ok_or_else(|| {
        MetricsError::MissingLabel(
            "the session records no SLURM job id (it was not taken inside a SLURM job); give \
             one with --jobid"
                .into(),
        )
    })?;
    let node = target.node.as_deref().ok_or_else(|| {
        MetricsError::MissingLabel(
            "the session records no node or host name; give one with --node".into(),
        )
    })?;
    Ok(format!(
        "/metrics/job/jumper/{}/{}",
        key_segment("jobid", jobid),
        key_segment("node", node)
    ))
}

fn gateway_url(base: &str, target: &Target) -> Result<Url, MetricsError> {
    let u = Url::parse(base)?;
    let prefix = u.path.trim_end_matches('/');
    let prefix = if prefix.contains('?') { "" } else { prefix };
    Ok(u.with_path(&format!("{prefix}{}", grouping_path(target)?)))
}

/// Replaces the session's group on the Pushgateway at `base` (`http://host:9091`) with the
/// set's per-cell and per-session families, in text format 0.0.4 (the Pushgateway refuses
/// timestamps). The grouping key's labels are left out of the samples (the Pushgateway adds
/// them). Returns the group's URL.
pub fn push_gateway(
    base: &str,
    set: &MetricSet,
    target: &Target,
    retry: &Retry,
) -> Result<String, MetricsError> {
    let url = gateway_url(base, target)?;
    let mut set = set.clone().summaries().latest();
    for f in &mut set.families {
        for s in &mut f.series {
            s.labels.retain(|(k, _)| *k != "jobid" && *k != "node");
        }
    }
    let body = crate::text::prometheus_text(&set);
    send(
        &url,
        "PUT",
        Some(crate::text::PROMETHEUS_TEXT_CONTENT_TYPE),
        body.as_bytes(),
        retry,
    )?;
    Ok(url.text)
}

/// Deletes the session's group from the Pushgateway at `base`. Returns the group's URL.
pub fn delete_gateway(base: &str, target: &Target, retry: &Retry) -> Result<String, MetricsError> {
    let url = gateway_url(base, target)?;
    send(&url, "DELETE", None, &[], retry)?;
    Ok(url.text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(jobid: Option<&str>, node: Option<&str>) -> Target {
        Target {
            jobid: jobid.map(str::to_string),
            node: node.map(str::to_string),
            ..Target::default()
        }
    }

    #[test]
    fn grouping_keys() {
        assert_eq!(
            grouping_path(&target(Some("42"), Some("n1"))).unwrap(),
            "/metrics/job/jumper/jobid/42/node/n1"
        );
        assert_eq!(
            grouping_path(&target(Some("42"), Some("a/b c"))).unwrap(),
            "/metrics/job/jumper/jobid/42/node@base64/YS9iIGM"
        );
        let e = grouping_path(&target(None, Some("n1"))).unwrap_err();
        assert!(e.to_string().contains("--jobid"), "{e}");
        let e = grouping_path(&target(Some("1"), None)).unwrap_err();
        assert!(e.to_string().contains("--node"), "{e}");
        let u = gateway_url("http://127.0.0.1:9091/", &target(Some("7"), Some("n2"))).unwrap();
        assert_eq!(
            u.text,
            "http://127.0.0.1:9091/metrics/job/jumper/jobid/7/node/n2"
        );
    }

    #[test]
    fn an_unreachable_endpoint_is_retried_then_one_error() {
        // A port nothing listens on: bind, note it, close.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let retry = Retry {
            attempts: 3,
            first_delay: Duration::from_millis(10),
        };
        let url = Url::parse(&format!("http://127.0.0.1:{port}/write")).unwrap();
        let e = send(&url, "POST", None, b"x", &retry).unwrap_err();
        match &e {
            MetricsError::Unreachable {
                attempts, seconds, ..
            } => {
                assert_eq!(*attempts, 3);
                assert!(*seconds >= 0.03, "waited {seconds} s between attempts");
            }
            other => panic!("{other:?}"),
        }
        assert!(e.to_string().starts_with(&format!(
            "cannot reach http://127.0.0.1:{port}/write (3 attempts over"
        )));
    }
}
