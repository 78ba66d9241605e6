//! Cost of relaying one message through the codec: decode (verify with the incoming key, parse
//! the header) and encode (re-sign with the outgoing key), for a trivial `status` message and a
//! 1 MB `display_data` with a 1 MB binary buffer. The JSON is never re-serialised, so the
//! cost should be the HMAC over the signed bytes and nothing proportional to JSON parsing.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use bytes::Bytes;
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use jumper_kernel::wire::{Message, Session, Signer};
use serde_json::json;

fn frames(content: &serde_json::Value, buffer: Option<usize>, key: &Signer) -> Vec<Bytes> {
    let s = Session::with_id("bench-session", "bench");
    let mut m = s.iopub(None, "display_data", content).unwrap();
    if let Some(n) = buffer {
        m.set_buffers(vec![Bytes::from(vec![7u8; n])]);
    }
    m.encode(key)
}

fn relay(c: &mut Criterion) {
    let incoming = Signer::new(b"frontend-key-0123456789abcdef").unwrap();
    let outgoing = Signer::new(b"child-key-0123456789abcdef").unwrap();
    let small = frames(&json!({"execution_state": "idle"}), None, &incoming);
    let big_text = "x".repeat(1 << 20);
    let big = frames(
        &json!({"data": {"text/plain": big_text}, "metadata": {}}),
        Some(1 << 20),
        &incoming,
    );
    let mut g = c.benchmark_group("relay");
    for (name, f) in [("status", &small), ("display_1MB_plus_1MB_buffer", &big)] {
        let bytes: usize = f.iter().map(|b| b.len()).sum();
        g.throughput(Throughput::Bytes(bytes as u64));
        g.bench_function(name, |b| {
            b.iter(|| {
                let m = Message::decode(black_box(f.clone()), &incoming).unwrap();
                black_box(m.encode(&outgoing))
            })
        });
    }
    g.finish();
}

criterion_group!(benches, relay);
criterion_main!(benches);
