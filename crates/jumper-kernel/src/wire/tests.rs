use super::*;
use proptest::prelude::*;
use serde_json::{json, Value};

const HEADER: &[u8] = br#"{"msg_id":"a1","msg_type":"execute_request","session":"s","username":"u","date":"2026-01-01T00:00:00.000000Z","version":"5.3"}"#;
const CONTENT: &[u8] = br#"{"code":"1+1"}"#;
/// HMAC-SHA256 of HEADER, `{}`, `{}`, CONTENT with key `secret-key`, from Python's `hmac`.
const PY_SIG: &str = "5aac0ad0bbc70d5787ca6de20a3ae0dfb05203cb870a685d1ccbb7b856df99ad";

fn key() -> Signer {
    Signer::new(b"secret-key").unwrap()
}

fn b(s: &[u8]) -> Bytes {
    Bytes::copy_from_slice(s)
}

/// Frames as jupyter_client would send them to a ROUTER: two identities, then the message.
fn python_frames() -> Vec<Bytes> {
    vec![
        b(b"client-1"),
        b(b"proxy-2"),
        b(DELIMITER),
        b(PY_SIG.as_bytes()),
        b(HEADER),
        b(b"{}"),
        b(b"{}"),
        b(CONTENT),
    ]
}

#[test]
fn signature_matches_python_hmac() {
    assert_eq!(key().sign([HEADER, b"{}", b"{}", CONTENT]), PY_SIG);
}

#[test]
fn decode_splits_identities_parts_and_header() {
    let m = Message::decode(python_frames(), &key()).unwrap();
    assert_eq!(m.identities(), &[b(b"client-1"), b(b"proxy-2")]);
    assert_eq!(m.header_bytes().as_ref(), HEADER);
    assert_eq!(m.parent_header_bytes().as_ref(), b"{}");
    assert_eq!(m.metadata_bytes().as_ref(), b"{}");
    assert_eq!(m.content_bytes().as_ref(), CONTENT);
    assert!(m.buffers().is_empty());
    let h = m.header();
    assert_eq!(h.msg_id, "a1");
    assert_eq!(h.msg_type, "execute_request");
    assert_eq!(m.msg_type(), "execute_request");
    assert_eq!(h.session, "s");
    assert_eq!(h.username, "u");
    assert_eq!(h.date.as_deref(), Some("2026-01-01T00:00:00.000000Z"));
    assert_eq!(h.version.as_deref(), Some("5.3"));
    assert_eq!(h.subshell_id, None);
    assert_eq!(m.parent().unwrap(), None);
    let c: Value = m.content().unwrap();
    assert_eq!(c, json!({"code": "1+1"}));
}

#[test]
fn encode_reproduces_the_frames_exactly() {
    let frames = python_frames();
    let m = Message::decode(frames.clone(), &key()).unwrap();
    assert_eq!(m.encode(&key()), frames);
}

#[test]
fn no_identities_is_fine() {
    let frames = python_frames()[2..].to_vec();
    let m = Message::decode(frames, &key()).unwrap();
    assert!(m.identities().is_empty());
}

#[test]
fn resigning_changes_only_the_signature() {
    let other = Signer::new(b"child-key").unwrap();
    let mut frames = python_frames();
    frames.push(b(b"\x00\x01binary"));
    let m = Message::decode(frames.clone(), &key()).unwrap();
    let out = m.encode(&other);
    assert_eq!(out.len(), frames.len());
    for (i, (a, o)) in frames.iter().zip(&out).enumerate() {
        if i == 3 {
            assert_ne!(a, o, "signature must change with the key");
            assert_eq!(o.len(), 64);
        } else {
            assert_eq!(a, o, "frame {i} must be forwarded untouched");
        }
    }
    assert!(Message::decode(out.clone(), &other).is_ok());
    assert!(matches!(
        Message::decode(out, &key()),
        Err(WireError::BadSignature)
    ));
}

#[test]
fn buffers_are_kept_and_not_signed() {
    let mut frames = python_frames();
    frames.push(b(&[0u8, 255, 1, 2]));
    frames.push(b(b""));
    frames.push(b(DELIMITER)); // a buffer may hold any bytes, even the delimiter
    let m = Message::decode(frames.clone(), &key()).unwrap();
    assert_eq!(m.buffers(), &[b(&[0u8, 255, 1, 2]), b(b""), b(DELIMITER)]);
    // The same signature is valid with other buffers: they are not signed.
    frames[8] = b(b"changed");
    frames.pop();
    let m2 = Message::decode(frames, &key()).unwrap();
    assert_eq!(m2.buffers(), &[b(b"changed"), b(b"")]);
}

#[test]
fn every_signed_part_is_covered() {
    for i in 4..8 {
        let mut frames = python_frames();
        let mut v = frames[i].to_vec();
        v.push(b' ');
        frames[i] = Bytes::from(v);
        assert!(
            matches!(
                Message::decode(frames, &key()),
                Err(WireError::BadSignature)
            ),
            "altering frame {i} must break the signature"
        );
    }
}

#[test]
fn identities_are_not_signed() {
    let mut frames = python_frames();
    frames[0] = b(b"someone-else");
    let m = Message::decode(frames, &key()).unwrap();
    assert_eq!(m.identities()[0], b(b"someone-else"));
}

#[test]
fn no_delimiter_is_rejected() {
    let mut frames = python_frames();
    frames.remove(2);
    match Message::decode(frames, &key()) {
        Err(WireError::NoDelimiter { frames }) => assert_eq!(frames, 7),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        Message::decode(Vec::new(), &key()),
        Err(WireError::NoDelimiter { frames: 0 })
    ));
}

#[test]
fn short_messages_are_rejected() {
    for keep in 0..5 {
        let frames = python_frames()[..3 + keep].to_vec();
        match Message::decode(frames, &Signer::unsigned()) {
            Err(WireError::TooShort { found }) => assert_eq!(found, keep),
            other => panic!("{keep}: {other:?}"),
        }
    }
}

#[test]
fn unsigned_message_is_rejected_when_a_key_is_set() {
    let mut frames = python_frames();
    frames[3] = b(b"");
    assert!(matches!(
        Message::decode(frames.clone(), &key()),
        Err(WireError::Unsigned)
    ));
    // Without a key the same message is fine.
    assert!(Message::decode(frames, &Signer::unsigned()).is_ok());
}

#[test]
fn bad_hex_is_rejected() {
    for sig in [
        &b"zz"[..],
        &PY_SIG.as_bytes()[..63],
        &[b'g'; 64][..],
        "5aac0ad0bbc70d5787ca6de20a3ae0dfb05203cb870a685d1ccbb7b856df99ad00".as_bytes(),
    ] {
        let mut frames = python_frames();
        frames[3] = b(sig);
        match Message::decode(frames, &key()) {
            Err(WireError::SignatureNotHex { shown }) => {
                assert_eq!(shown, String::from_utf8_lossy(sig))
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn uppercase_hex_of_the_right_signature_is_accepted() {
    let mut frames = python_frames();
    frames[3] = b(PY_SIG.to_uppercase().as_bytes());
    assert!(Message::decode(frames, &key()).is_ok());
}

#[test]
fn wrong_signature_and_wrong_key_are_rejected() {
    let mut frames = python_frames();
    frames[3] = b(&[b'0'; 64]);
    assert!(matches!(
        Message::decode(frames, &key()),
        Err(WireError::BadSignature)
    ));
    let wrong = Signer::new(b"secret-kez").unwrap();
    assert!(matches!(
        Message::decode(python_frames(), &wrong),
        Err(WireError::BadSignature)
    ));
}

#[test]
fn non_json_or_incomplete_header_is_rejected() {
    for header in [
        &b"not json"[..],
        b"[1,2]",
        br#"{"msg_id":"x"}"#,
        br#"{"msg_type":"x"}"#,
        br#"{"msg_id":1,"msg_type":"x"}"#,
        b"",
    ] {
        let s = Signer::new(b"k").unwrap();
        let sig = s.sign([header, b"{}", b"{}", b"{}"]);
        let frames = vec![
            b(DELIMITER),
            b(sig.as_bytes()),
            b(header),
            b(b"{}"),
            b(b"{}"),
            b(b"{}"),
        ];
        match Message::decode(frames, &s) {
            Err(e @ WireError::BadHeader { .. }) => {
                // The Display names the problem; serde's detail is only the source.
                assert_eq!(
                    e.to_string(),
                    "message header is not a Jupyter header (a JSON object with msg_id and msg_type)"
                );
                assert!(std::error::Error::source(&e).is_some());
            }
            other => panic!("{}: {other:?}", String::from_utf8_lossy(header)),
        }
    }
}

#[test]
fn header_keeps_unknown_fields_and_reads_subshell() {
    let header =
        br#"{ "msg_id" : "m", "msg_type":"execute_request", "subshell_id": "sub-1", "x": [1] }"#;
    let m = Message::from_parts(vec![], b(header), b(b"{}"), b(b"{}"), b(b"{}"), vec![]).unwrap();
    assert_eq!(m.header().subshell_id.as_deref(), Some("sub-1"));
    assert_eq!(m.header().session, "");
    assert_eq!(m.header_bytes().as_ref(), header);
    let null_sub = br#"{"msg_id":"m","msg_type":"t","subshell_id":null}"#;
    let m = Message::from_parts(vec![], b(null_sub), b(b"{}"), b(b"{}"), b(b"{}"), vec![]).unwrap();
    assert_eq!(m.header().subshell_id, None);
}

#[test]
fn empty_key_signs_nothing_and_accepts_anything() {
    let s = Signer::new(b"").unwrap();
    assert!(!s.is_signing());
    let m = Message::decode(python_frames(), &s).unwrap();
    let out = m.encode(&s);
    assert_eq!(out[3], b(b""));
    let mut frames = python_frames();
    frames[3] = b(b"not even hex");
    assert!(Message::decode(frames, &s).is_ok());
}

#[test]
fn signer_debug_hides_the_key() {
    let d = format!("{:?}", key());
    assert!(!d.contains("secret"));
    assert!(d.contains("signing: true"));
}

#[test]
fn parent_and_content_are_parsed_on_demand() {
    let parent = br#"{"msg_id":"p1","msg_type":"execute_request","session":"c","username":"u","date":"d","version":"5.3"}"#;
    let m = Message::from_parts(
        vec![],
        b(br#"{"msg_id":"r","msg_type":"status"}"#),
        b(parent),
        b(b"not json"),
        b(br#"{"execution_state":"idle"}"#),
        vec![],
    )
    .unwrap();
    let p = m.parent().unwrap().unwrap();
    assert_eq!(p.msg_id, "p1");
    assert_eq!(p.msg_type, "execute_request");
    assert_eq!(p.session, "c");
    #[derive(serde::Deserialize)]
    struct Status {
        execution_state: String,
    }
    assert_eq!(m.content::<Status>().unwrap().execution_state, "idle");
    match m.metadata::<Value>() {
        Err(WireError::BadJson { part, msg_type, .. }) => {
            assert_eq!(part, Part::Metadata);
            assert_eq!(msg_type, "status");
        }
        other => panic!("{other:?}"),
    }
    // A parent with only msg_id still routes.
    let m = Message::from_parts(
        vec![],
        b(br#"{"msg_id":"r","msg_type":"status"}"#),
        b(br#"{"msg_id":"p2"}"#),
        b(b"{}"),
        b(b"{}"),
        vec![],
    )
    .unwrap();
    assert_eq!(m.parent().unwrap().unwrap().msg_id, "p2");
}

#[test]
fn session_reply_copies_parent_header_and_identities() {
    let req = Message::decode(python_frames(), &key()).unwrap();
    let s = Session::with_id("jumper-session", "jumper");
    let rep = s
        .reply(
            &req,
            "execute_reply",
            &json!({"status": "ok", "execution_count": 3}),
        )
        .unwrap();
    assert_eq!(rep.identities(), req.identities());
    assert_eq!(rep.parent_header_bytes(), req.header_bytes());
    assert_eq!(rep.metadata_bytes().as_ref(), b"{}");
    let h = rep.header();
    assert_eq!(h.msg_type, "execute_reply");
    assert_eq!(h.session, "jumper-session");
    assert_eq!(h.username, "jumper");
    assert_eq!(h.version.as_deref(), Some("5.4"));
    assert_eq!(h.msg_id.len(), 36);
    let date = h.date.as_deref().unwrap();
    assert_eq!(date.len(), 27, "{date}");
    assert!(date.ends_with('Z') && date.as_bytes()[10] == b'T');
    // The header bytes are the header.
    let parsed: Header = serde_json::from_slice(rep.header_bytes()).unwrap();
    assert_eq!(&parsed, h);
    // It survives the wire with a key, and its parent is the request.
    let back = Message::decode(rep.encode(&key()), &key()).unwrap();
    assert_eq!(back, rep);
    assert_eq!(back.parent().unwrap().unwrap().msg_id, "a1");
    let c: Value = back.content().unwrap();
    assert_eq!(c["execution_count"], 3);
}

#[test]
fn session_ids_and_versions() {
    let a = Session::new("u").unwrap();
    let b = Session::new("u").unwrap();
    assert_ne!(a.id(), b.id());
    let a = a.with_protocol_version("5.3");
    assert_eq!(a.protocol_version(), "5.3");
    let m = a.message("kernel_info_request", &json!({})).unwrap();
    assert_eq!(m.header().version.as_deref(), Some("5.3"));
    assert_eq!(m.parent().unwrap(), None);
    assert!(m.identities().is_empty());
    let m2 = a.message("kernel_info_request", &json!({})).unwrap();
    assert_ne!(m.msg_id(), m2.msg_id());
}

#[test]
fn session_iopub_has_topic_and_optional_parent() {
    let s = Session::with_id("sid", "jumper");
    let req = Message::decode(python_frames(), &key()).unwrap();
    let st = s
        .iopub(Some(&req), "status", &json!({"execution_state": "busy"}))
        .unwrap();
    assert_eq!(st.identities(), &[b(b"kernel.sid.status")]);
    assert_eq!(st.parent_header_bytes(), req.header_bytes());
    let orphan = s
        .iopub(None, "status", &json!({"execution_state": "starting"}))
        .unwrap();
    assert_eq!(orphan.parent_header_bytes().as_ref(), b"{}");
}

#[test]
fn setters_replace_parts() {
    let mut m = Message::decode(python_frames(), &key()).unwrap();
    m.set_identities(vec![b(b"x")]);
    m.set_content(b(br#"{"code":"2"}"#));
    m.set_metadata(b(br#"{"jumper":{}}"#));
    m.set_buffers(vec![b(b"buf")]);
    let out = m.encode(&key());
    assert_eq!(out[0], b(b"x"));
    assert_eq!(out[6], b(br#"{"code":"2"}"#));
    let back = Message::decode(out, &key()).unwrap();
    assert_eq!(back, m);
    assert_eq!(back.buffers(), &[b(b"buf")]);
}

// ---------- property tests ----------

fn identity() -> impl Strategy<Value = Bytes> {
    proptest::collection::vec(any::<u8>(), 1..12)
        .prop_filter("an identity is not the delimiter", |v| v != DELIMITER)
        .prop_map(Bytes::from)
}

fn header_bytes() -> impl Strategy<Value = Bytes> {
    (
        "[ -~]{0,20}",
        "[a-z_]{1,20}",
        any::<String>(),
        proptest::option::of("[0-9.]{1,5}"),
        proptest::option::of(any::<String>()),
        any::<bool>(),
    )
        .prop_map(|(id, ty, session, version, sub, pretty)| {
            let mut v = json!({"msg_id": id, "msg_type": ty, "session": session,
                               "username": "u", "extra": {"nested": [1, 2]}});
            if let Some(ver) = version {
                v["version"] = json!(ver);
            }
            if let Some(sub) = sub {
                v["subshell_id"] = json!(sub);
            }
            let bytes = if pretty {
                serde_json::to_vec_pretty(&v)
            } else {
                serde_json::to_vec(&v)
            };
            Bytes::from(bytes.unwrap_or_default())
        })
}

fn blob() -> impl Strategy<Value = Bytes> {
    proptest::collection::vec(any::<u8>(), 0..64).prop_map(Bytes::from)
}

fn message() -> impl Strategy<Value = Message> {
    (
        proptest::collection::vec(identity(), 0..4),
        header_bytes(),
        blob(),
        blob(),
        blob(),
        proptest::collection::vec(blob(), 0..4),
    )
        .prop_map(|(ids, h, p, md, c, bufs)| {
            Message::from_parts(ids, h, p, md, c, bufs).unwrap_or_else(|e| panic!("{e}"))
        })
}

fn signer() -> impl Strategy<Value = Signer> {
    proptest::collection::vec(any::<u8>(), 0..40).prop_map(|k| Signer::new(&k).unwrap())
}

proptest! {
    #[test]
    fn prop_decode_of_encode_is_identity(m in message(), s in signer()) {
        let frames = m.encode(&s);
        let back = Message::decode(frames, &s).unwrap();
        prop_assert_eq!(back, m);
    }

    #[test]
    fn prop_resign_keeps_every_other_frame(m in message(), k1 in signer(), k2 in signer()) {
        let f1 = m.encode(&k1);
        let f2 = Message::decode(f1.clone(), &k1).unwrap().encode(&k2);
        prop_assert_eq!(f1.len(), f2.len());
        let sig_at = m.identities().len() + 1;
        for (i, (a, b)) in f1.iter().zip(&f2).enumerate() {
            if i != sig_at {
                prop_assert_eq!(a, b);
            }
        }
    }

    #[test]
    fn prop_garbage_with_a_key_is_always_rejected(
        mut frames in proptest::collection::vec(blob(), 0..12),
        at in any::<prop::sample::Index>(),
        insert in any::<bool>(),
        k in proptest::collection::vec(any::<u8>(), 1..40),
    ) {
        if insert {
            let i = at.index(frames.len() + 1);
            frames.insert(i, Bytes::from_static(DELIMITER));
        }
        let s = Signer::new(&k).unwrap();
        prop_assert!(Message::decode(frames, &s).is_err());
    }

    #[test]
    fn prop_garbage_without_a_key_follows_the_framing_rules(
        mut frames in proptest::collection::vec(blob(), 0..12),
        at in any::<prop::sample::Index>(),
        header in proptest::option::of(header_bytes()),
    ) {
        let i = at.index(frames.len() + 1);
        frames.insert(i, Bytes::from_static(DELIMITER));
        if let Some(h) = header {
            if frames.len() > i + 2 {
                frames[i + 2] = h;
            }
        }
        let delim = frames.iter().position(|f| f.as_ref() == DELIMITER).unwrap();
        let after = frames.len() - delim - 1;
        let header_ok = after >= 5
            && serde_json::from_slice::<Header>(&frames[delim + 2]).is_ok();
        match Message::decode(frames.clone(), &Signer::unsigned()) {
            Ok(m) => {
                prop_assert!(header_ok);
                prop_assert_eq!(m.identities(), &frames[..delim]);
                prop_assert_eq!(m.content_bytes(), &frames[delim + 5]);
                prop_assert_eq!(m.buffers(), &frames[delim + 6..]);
            }
            Err(WireError::TooShort { found }) => {
                prop_assert!(after < 5);
                prop_assert_eq!(found, after);
            }
            Err(WireError::BadHeader { .. }) => prop_assert!(after >= 5 && !header_ok),
            Err(e) => prop_assert!(false, "unexpected {}", e),
        }
    }
}
