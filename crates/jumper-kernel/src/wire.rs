//! The Jupyter wire protocol: one message as ZeroMQ frames.
//!
//! ```text
//! [identity ...] <IDS|MSG> signature header parent_header metadata content [buffer ...]
//! ```
//!
//! A [`Message`] keeps every JSON part as the bytes it arrived in, so a relay forwards it
//! without re-serialising anything; only the header is parsed (into [`Header`]), and the
//! parent header, metadata and content are parsed only when asked for. The signature is
//! HMAC-SHA256 (hex) over header, parent_header, metadata and content, in that order; binary
//! buffers are not signed. [`Message::decode`] verifies it with the incoming side's
//! [`Signer`] and [`Message::encode`] signs with the outgoing side's, so forwarding is
//! `Message::decode(frames, &incoming)?.encode(&outgoing)` and the JSON bytes stay untouched.
//! An empty key means no signing, as the specification allows.
//!
//! [`Session`] builds jumper's own messages (its replies, its iopub output).

use bytes::Bytes;
use hmac::{Hmac, KeyInit, Mac};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::fmt;

use crate::random::{self, RandomError};

/// The frame that separates routing identities from the message proper.
pub const DELIMITER: &[u8] = b"<IDS|MSG>";

/// The protocol version jumper writes into the headers of the messages it builds.
pub const PROTOCOL_VERSION: &str = "5.4";

/// Length of an HMAC-SHA256 signature in hex digits.
const SIGNATURE_HEX_LEN: usize = 64;

type HmacSha256 = Hmac<Sha256>;

/// One of the four signed JSON parts of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Part {
    /// The message's own header.
    Header,
    /// The header of the message this one answers (`{}` when none).
    ParentHeader,
    /// Free-form metadata.
    Metadata,
    /// The message type's content.
    Content,
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Part::Header => "header",
            Part::ParentHeader => "parent_header",
            Part::Metadata => "metadata",
            Part::Content => "content",
        })
    }
}

/// Why frames are not an acceptable Jupyter message, or a message could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WireError {
    /// No frame equals `<IDS|MSG>`.
    #[error("message has no <IDS|MSG> delimiter among its {frames} frames")]
    NoDelimiter {
        /// How many frames arrived.
        frames: usize,
    },
    /// Fewer than the five frames (signature and four JSON parts) after the delimiter.
    #[error(
        "message has {found} frames after <IDS|MSG>, at least 5 are required \
         (signature, header, parent_header, metadata, content)"
    )]
    TooShort {
        /// How many frames follow the delimiter.
        found: usize,
    },
    /// The signature frame is empty although a key is set.
    #[error("message is unsigned but the connection has a key")]
    Unsigned,
    /// The signature frame is not 64 hex digits.
    #[error("message signature is not 64 hex digits: {shown:?}")]
    SignatureNotHex {
        /// The start of the frame as text, for the log.
        shown: String,
    },
    /// The signature does not match the key and the signed parts.
    #[error("message signature does not match (wrong key, or the message was altered)")]
    BadSignature,
    /// The header is not a JSON object with string `msg_id` and `msg_type`.
    #[error("message header is not a Jupyter header (a JSON object with msg_id and msg_type)")]
    BadHeader {
        /// What serde_json found.
        #[source]
        source: serde_json::Error,
    },
    /// A part read on demand does not have the JSON shape asked for.
    #[error("the {part} of a {msg_type} message does not have the expected JSON shape")]
    BadJson {
        /// Which part.
        part: Part,
        /// The message's type, from its header.
        msg_type: String,
        /// What serde_json found.
        #[source]
        source: serde_json::Error,
    },
    /// A part of a message jumper builds could not be serialised.
    #[error("cannot serialise the {part} of a new {msg_type} message")]
    Serialize {
        /// Which part.
        part: Part,
        /// The type of the message being built.
        msg_type: String,
        /// What serde_json reported.
        #[source]
        source: serde_json::Error,
    },
    /// A fresh message id could not be drawn.
    #[error(transparent)]
    Random(#[from] RandomError),
    /// The HMAC implementation refused the key (it accepts keys of any length, so this is
    /// not expected to happen).
    #[error("the HMAC-SHA256 implementation refused the key")]
    InvalidKey,
}

/// Signs and verifies messages with one side's key (HMAC-SHA256); an empty key signs nothing.
#[derive(Clone)]
pub struct Signer {
    mac: Option<HmacSha256>,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the key.
        f.debug_struct("Signer")
            .field("signing", &self.is_signing())
            .finish()
    }
}

impl Signer {
    /// A signer for `key` as the connection file gives it (its UTF-8 bytes); empty = no signing.
    pub fn new(key: &[u8]) -> Result<Self, WireError> {
        if key.is_empty() {
            return Ok(Self::unsigned());
        }
        let mac = HmacSha256::new_from_slice(key).map_err(|_| WireError::InvalidKey)?;
        Ok(Self { mac: Some(mac) })
    }

    /// A signer without a key: messages go out with an empty signature and incoming
    /// signatures are not checked.
    pub fn unsigned() -> Self {
        Self { mac: None }
    }

    /// Whether this signer has a key.
    pub fn is_signing(&self) -> bool {
        self.mac.is_some()
    }

    fn mac_over(mac: &HmacSha256, parts: [&[u8]; 4]) -> HmacSha256 {
        let mut mac = mac.clone();
        for p in parts {
            mac.update(p);
        }
        mac
    }

    /// The signature of the four signed parts (header, parent_header, metadata, content) as
    /// lowercase hex; empty without a key.
    pub fn sign(&self, parts: [&[u8]; 4]) -> String {
        match &self.mac {
            None => String::new(),
            Some(mac) => hex::encode(Self::mac_over(mac, parts).finalize().into_bytes()),
        }
    }

    /// Checks `signature` (the hex frame as received) against the four signed parts, in
    /// constant time. Without a key every signature is accepted.
    pub fn verify(&self, parts: [&[u8]; 4], signature: &[u8]) -> Result<(), WireError> {
        let Some(mac) = &self.mac else {
            return Ok(());
        };
        if signature.is_empty() {
            return Err(WireError::Unsigned);
        }
        let mut raw = [0u8; SIGNATURE_HEX_LEN / 2];
        if signature.len() != SIGNATURE_HEX_LEN
            || hex::decode_to_slice(signature, &mut raw).is_err()
        {
            let shown: String = String::from_utf8_lossy(signature)
                .chars()
                .take(80)
                .collect();
            return Err(WireError::SignatureNotHex { shown });
        }
        Self::mac_over(mac, parts)
            .verify_slice(&raw)
            .map_err(|_| WireError::BadSignature)
    }
}

/// The header fields jumper reads; any other field stays in the header bytes untouched.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Header {
    /// Unique id of this message.
    pub msg_id: String,
    /// The message type, such as `execute_request`.
    pub msg_type: String,
    /// The sending client's or kernel's session id.
    #[serde(default)]
    pub session: String,
    /// The user name the sender reports.
    #[serde(default)]
    pub username: String,
    /// When the message was created, ISO 8601.
    #[serde(default)]
    pub date: Option<String>,
    /// The protocol version, such as `5.3`.
    #[serde(default)]
    pub version: Option<String>,
    /// The subshell this message is for (protocol 5.5 subshells); `None` = the main shell.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subshell_id: Option<String>,
}

/// A parent header may be `{}`; anything else must be a header.
#[derive(Deserialize)]
struct MaybeHeader {
    #[serde(default)]
    msg_id: Option<String>,
    #[serde(default)]
    msg_type: Option<String>,
    #[serde(default)]
    session: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    subshell_id: Option<String>,
}

/// One Jupyter message: routing identities, the four JSON parts as their original bytes, and
/// binary buffers. Cloning is cheap (the parts are reference-counted [`Bytes`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    identities: Vec<Bytes>,
    header: Bytes,
    parent_header: Bytes,
    metadata: Bytes,
    content: Bytes,
    buffers: Vec<Bytes>,
    info: Header,
}

impl Message {
    /// Reads frames as they came off a socket, verifying the signature with `signer` (the
    /// key of the side they came from) before anything is parsed. Only the header is parsed.
    pub fn decode(mut frames: Vec<Bytes>, signer: &Signer) -> Result<Self, WireError> {
        let delim =
            frames
                .iter()
                .position(|f| f.as_ref() == DELIMITER)
                .ok_or(WireError::NoDelimiter {
                    frames: frames.len(),
                })?;
        let found = frames.len() - delim - 1;
        if found < 5 {
            return Err(WireError::TooShort { found });
        }
        let mut rest = frames.split_off(delim).into_iter().skip(1);
        let identities = frames;
        // `found >= 5` makes these five `next()` calls succeed; the defaults are never used.
        let signature = rest.next().unwrap_or_default();
        let header = rest.next().unwrap_or_default();
        let parent_header = rest.next().unwrap_or_default();
        let metadata = rest.next().unwrap_or_default();
        let content = rest.next().unwrap_or_default();
        let buffers: Vec<Bytes> = rest.collect();
        signer.verify([&header, &parent_header, &metadata, &content], &signature)?;
        Self::from_parts(
            identities,
            header,
            parent_header,
            metadata,
            content,
            buffers,
        )
    }

    /// A message from its parts; the header bytes must be a Jupyter header, the other parts
    /// are taken as they are (they are checked only when read).
    pub fn from_parts(
        identities: Vec<Bytes>,
        header: Bytes,
        parent_header: Bytes,
        metadata: Bytes,
        content: Bytes,
        buffers: Vec<Bytes>,
    ) -> Result<Self, WireError> {
        let info: Header =
            serde_json::from_slice(&header).map_err(|source| WireError::BadHeader { source })?;
        Ok(Self {
            identities,
            header,
            parent_header,
            metadata,
            content,
            buffers,
            info,
        })
    }

    /// The frames to send, signed with `signer` (the key of the side they go to). The JSON
    /// parts and buffers are the same bytes this message holds.
    pub fn encode(&self, signer: &Signer) -> Vec<Bytes> {
        let signature = signer.sign(self.signed_parts());
        let mut frames = Vec::with_capacity(self.identities.len() + 6 + self.buffers.len());
        frames.extend(self.identities.iter().cloned());
        frames.push(Bytes::from_static(DELIMITER));
        frames.push(Bytes::from(signature));
        frames.push(self.header.clone());
        frames.push(self.parent_header.clone());
        frames.push(self.metadata.clone());
        frames.push(self.content.clone());
        frames.extend(self.buffers.iter().cloned());
        frames
    }

    fn signed_parts(&self) -> [&[u8]; 4] {
        [
            &self.header,
            &self.parent_header,
            &self.metadata,
            &self.content,
        ]
    }

    /// The parsed header.
    pub fn header(&self) -> &Header {
        &self.info
    }

    /// The message type, such as `execute_request`.
    pub fn msg_type(&self) -> &str {
        &self.info.msg_type
    }

    /// The message's id.
    pub fn msg_id(&self) -> &str {
        &self.info.msg_id
    }

    /// The routing identities (the frames before `<IDS|MSG>`; on iopub, the topic).
    pub fn identities(&self) -> &[Bytes] {
        &self.identities
    }

    /// Replaces the routing identities, e.g. to route a reply to the frontend that asked.
    pub fn set_identities(&mut self, identities: Vec<Bytes>) {
        self.identities = identities;
    }

    /// The header as received.
    pub fn header_bytes(&self) -> &Bytes {
        &self.header
    }

    /// The parent header as received.
    pub fn parent_header_bytes(&self) -> &Bytes {
        &self.parent_header
    }

    /// The metadata as received.
    pub fn metadata_bytes(&self) -> &Bytes {
        &self.metadata
    }

    /// The content as received.
    pub fn content_bytes(&self) -> &Bytes {
        &self.content
    }

    /// The binary buffers (not signed).
    pub fn buffers(&self) -> &[Bytes] {
        &self.buffers
    }

    /// Replaces the metadata bytes (for a message jumper amends, such as a report's output).
    pub fn set_metadata(&mut self, metadata: Bytes) {
        self.metadata = metadata;
    }

    /// Replaces the content bytes (for the few messages jumper rewrites, such as
    /// `kernel_info_reply`).
    pub fn set_content(&mut self, content: Bytes) {
        self.content = content;
    }

    /// Replaces the binary buffers.
    pub fn set_buffers(&mut self, buffers: Vec<Bytes>) {
        self.buffers = buffers;
    }

    /// The parent header, parsed now; `None` when it is `{}` (or has no `msg_id`).
    pub fn parent(&self) -> Result<Option<Header>, WireError> {
        let p: MaybeHeader = self.parse_part(Part::ParentHeader, &self.parent_header)?;
        // A parent without msg_type is still a parent: the id is what routes.
        Ok(p.msg_id.map(|msg_id| Header {
            msg_id,
            msg_type: p.msg_type.unwrap_or_default(),
            session: p.session,
            username: p.username,
            date: p.date,
            version: p.version,
            subshell_id: p.subshell_id,
        }))
    }

    /// The content, parsed now into `T` (e.g. a small struct of the fields needed, or
    /// `serde_json::Value`).
    pub fn content<T: DeserializeOwned>(&self) -> Result<T, WireError> {
        self.parse_part(Part::Content, &self.content)
    }

    /// The metadata, parsed now into `T`.
    pub fn metadata<T: DeserializeOwned>(&self) -> Result<T, WireError> {
        self.parse_part(Part::Metadata, &self.metadata)
    }

    fn parse_part<T: DeserializeOwned>(&self, part: Part, bytes: &[u8]) -> Result<T, WireError> {
        serde_json::from_slice(bytes).map_err(|source| WireError::BadJson {
            part,
            msg_type: self.info.msg_type.clone(),
            source,
        })
    }
}

/// jumper's side of a connection: builds its own messages with a session id, user name and
/// protocol version of its own.
#[derive(Clone, Debug)]
pub struct Session {
    id: String,
    username: String,
    version: String,
}

fn to_json<T: Serialize + ?Sized>(part: Part, msg_type: &str, v: &T) -> Result<Bytes, WireError> {
    serde_json::to_vec(v)
        .map(Bytes::from)
        .map_err(|source| WireError::Serialize {
            part,
            msg_type: msg_type.to_string(),
            source,
        })
}

impl Session {
    /// A session with a fresh random id, writing protocol version [`PROTOCOL_VERSION`].
    pub fn new(username: impl Into<String>) -> Result<Self, WireError> {
        Ok(Self::with_id(random::uuid4()?, username))
    }

    /// A session with a given id (e.g. to keep one id across a kernel restart).
    pub fn with_id(id: impl Into<String>, username: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            username: username.into(),
            version: PROTOCOL_VERSION.to_string(),
        }
    }

    /// The same session writing another protocol version into its headers (such as `5.3`).
    pub fn with_protocol_version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

    /// The session id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The protocol version written into new headers.
    pub fn protocol_version(&self) -> &str {
        &self.version
    }

    /// A new header: fresh UUID `msg_id`, the current date, this session's id and version.
    pub fn new_header(&self, msg_type: &str) -> Result<Header, WireError> {
        Ok(Header {
            msg_id: random::uuid4()?,
            msg_type: msg_type.to_string(),
            session: self.id.clone(),
            username: self.username.clone(),
            date: Some(random::iso8601_now()),
            version: Some(self.version.clone()),
            subshell_id: None,
        })
    }

    fn build<T: Serialize + ?Sized>(
        &self,
        identities: Vec<Bytes>,
        parent_header: Bytes,
        msg_type: &str,
        content: &T,
    ) -> Result<Message, WireError> {
        let info = self.new_header(msg_type)?;
        let header = to_json(Part::Header, msg_type, &info)?;
        let content = to_json(Part::Content, msg_type, content)?;
        Ok(Message {
            identities,
            header,
            parent_header,
            metadata: Bytes::from_static(b"{}"),
            content,
            buffers: Vec::new(),
            info,
        })
    }

    /// A message with no parent and no identities (`parent_header` and `metadata` are `{}`).
    pub fn message<T: Serialize + ?Sized>(
        &self,
        msg_type: &str,
        content: &T,
    ) -> Result<Message, WireError> {
        self.build(Vec::new(), Bytes::from_static(b"{}"), msg_type, content)
    }

    /// A reply to `parent` on shell, control or stdin: its header bytes become the parent
    /// header verbatim and it is routed to the same identities.
    pub fn reply<T: Serialize + ?Sized>(
        &self,
        parent: &Message,
        msg_type: &str,
        content: &T,
    ) -> Result<Message, WireError> {
        self.build(
            parent.identities.clone(),
            parent.header.clone(),
            msg_type,
            content,
        )
    }

    /// An iopub message, parented to `parent` when given, with the topic
    /// `kernel.<session id>.<msg_type>` as its identity (as ipykernel names its topics).
    pub fn iopub<T: Serialize + ?Sized>(
        &self,
        parent: Option<&Message>,
        msg_type: &str,
        content: &T,
    ) -> Result<Message, WireError> {
        let topic = Bytes::from(format!("kernel.{}.{}", self.id, msg_type));
        let parent_header = parent.map_or_else(|| Bytes::from_static(b"{}"), |p| p.header.clone());
        self.build(vec![topic], parent_header, msg_type, content)
    }
}

#[cfg(test)]
mod tests;
