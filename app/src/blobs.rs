//! Where attached files' bytes live: content-addressed by SHA-256, in a directory beside the SQLite
//! file (the embedded default) or in S3-compatible object storage (production), behind one enum.
//!
//! The order that makes an attachment as durable as the event naming it:
//! 1. [`BlobStore::receive`] streams the upload into a temporary file, computing its SHA-256 and
//!    size as the bytes arrive, stopping as soon as the size limit is passed, and judging the media
//!    type from the first bytes (never the name). The file is synced before it is handed back.
//! 2. [`BlobStore::keep`] stores it under its digest: renamed into place and the directory synced
//!    (directory), or PUT and acknowledged (S3). Only then may an event name the digest.
//! 3. A refused upload (type, size, a refused command) leaves at most an unreferenced blob and
//!    never a reference to a missing one; the temporary file is removed when it is dropped.
//!
//! Every read ([`BlobStore::read`]) hashes what it got and refuses to hand back bytes that do not
//! match (corrupt) or are gone (missing): never served silently. [`BlobStore::check`] does the same
//! for `grants audit verify`, and [`BlobStore::probe`] tells `/readyz` whether the store answers.
//!
//! A crash in the middle of an upload leaves a temporary file and no reference; the next start
//! clears the spool. Removing an attachment takes nothing out of the store: the log still names the bytes, and two
//! objects may share them. A blob kept for a command that was then refused is named by no event:
//! `grants attachments sweep` (`crate::blob_sweep`) deletes such orphans once they are older than a
//! grace period, never one an event names.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use grants_domain::attachment::{check_size, AttachmentError, MediaType, Sha256, FILE_MAX_BYTES};
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;
use object_store::ObjectStore;
use sha2::Digest;
use tokio::io::AsyncWriteExt;

/// How many first bytes the media type is judged from.
const SNIFF_BYTES: usize = 8192;

/// The store of attached files' bytes.
#[derive(Clone)]
pub struct BlobStore {
    backend: Backend,
    /// Where uploads are written while they arrive.
    spool: PathBuf,
    /// Reads that found a blob missing or corrupt since the service started (`/readyz` shows it).
    failed_reads: Arc<AtomicU64>,
}

#[derive(Clone)]
enum Backend {
    /// No store: every operation fails (tools that never touch attachments).
    None,
    /// `root/sha256/ab/abcd…`, uploads spooled in `root/tmp`.
    Dir { root: PathBuf },
    /// `sha256/abcd…` in one bucket.
    S3 {
        store: Arc<dyn ObjectStore>,
        bucket: String,
    },
}

/// Why a blob could not be read, stored or checked.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// The log names a file the store does not hold.
    #[error("the stored file {sha256} is missing")]
    Missing {
        /// The file's SHA-256 (its name in the store).
        sha256: Sha256,
    },
    /// The stored file's content does not hash to its name.
    #[error("the stored file {sha256} is corrupt (its content hashes to {actual})")]
    Corrupt {
        /// The SHA-256 the file is stored under.
        sha256: Sha256,
        /// What its content hashes to, in hex.
        actual: String,
    },
    /// The store failed otherwise (I/O, the bucket's service).
    #[error("the file store failed: {0}")]
    Store(String),
}

/// Why an upload was not received.
#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    /// The file breaks a rule (too big, empty, of a type not accepted).
    #[error(transparent)]
    Refused(#[from] AttachmentError),
    /// The client's upload broke off or was malformed.
    #[error("the upload could not be read: {0}")]
    Upload(String),
    /// The file could not be stored.
    #[error(transparent)]
    Store(#[from] BlobError),
}

/// An upload received into a temporary file, synced, with what identifies it. Removed when dropped
/// unless it was kept.
pub struct Spooled {
    /// The content's SHA-256, which names it in the store.
    pub sha256: Sha256,
    /// The content's length in bytes.
    pub size: u64,
    /// The media type judged from the content's first bytes, never from the name.
    pub media_type: MediaType,
    temp: TempFile,
}

struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn io(error: impl std::fmt::Display) -> BlobError {
    BlobError::Store(error.to_string())
}

fn hex_sha(bytes: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(bytes))
}

/// Syncs a directory, so that a rename or a new entry in it survives a crash.
async fn sync_dir(dir: &Path) -> Result<(), BlobError> {
    let dir = dir.to_owned();
    tokio::task::spawn_blocking(move || std::fs::File::open(&dir)?.sync_all())
        .await
        .map_err(io)?
        .map_err(io)
}

/// The accepted media type of a file whose first bytes are `head` (the file is at `path`); plain
/// text is what no signature matched and reads as UTF-8 without NUL.
async fn judge_type(head: &[u8], path: &Path) -> Result<MediaType, ReceiveError> {
    if let Some(found) = infer::get(head) {
        return MediaType::from_mime(found.mime_type())
            .ok_or(ReceiveError::Refused(AttachmentError::UnsupportedType));
    }
    let bytes = tokio::fs::read(path).await.map_err(io)?;
    match std::str::from_utf8(&bytes) {
        Ok(text) if !text.contains('\0') => Ok(MediaType::PlainText),
        _ => Err(ReceiveError::Refused(AttachmentError::UnsupportedType)),
    }
}

/// A blob in the store and when it was last written (a blob written again is young again).
#[derive(Clone, Debug)]
pub struct StoredBlob {
    /// The content's SHA-256 (its name in the store).
    pub sha256: Sha256,
    /// When it was last written (UTC).
    pub written: time::OffsetDateTime,
}

/// The blobs under `root` (`root/ab/abcd…`); anything else there is left out.
fn list_dir(root: &Path) -> Result<Vec<StoredBlob>, BlobError> {
    let mut found = Vec::new();
    let shards = match std::fs::read_dir(root) {
        Ok(shards) => shards,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(found),
        Err(error) => return Err(io(error)),
    };
    for shard in shards {
        let shard = shard.map_err(io)?;
        if !shard.file_type().map_err(io)?.is_dir() {
            continue;
        }
        for entry in std::fs::read_dir(shard.path()).map_err(io)? {
            let entry = entry.map_err(io)?;
            let Some(sha256) = entry.file_name().to_str().and_then(Sha256::parse) else {
                continue;
            };
            let modified = entry.metadata().map_err(io)?.modified().map_err(io)?;
            found.push(StoredBlob {
                sha256,
                written: time::OffsetDateTime::from(modified),
            });
        }
    }
    Ok(found)
}

/// Removes what uploads cut off by a crash left in the spool: nothing names them (an event names a
/// blob only once it is kept), so they are only disk space. One service per spool directory.
fn clear_spool(spool: &Path) -> Result<(), BlobError> {
    for entry in std::fs::read_dir(spool).map_err(io)? {
        let entry = entry.map_err(io)?;
        if entry.file_name().to_string_lossy().starts_with("upload-") {
            std::fs::remove_file(entry.path()).map_err(io)?;
        }
    }
    Ok(())
}

impl BlobStore {
    /// No store at all: every operation fails with a clear error.
    pub fn unconfigured() -> Self {
        BlobStore {
            backend: Backend::None,
            spool: std::env::temp_dir(),
            failed_reads: Arc::default(),
        }
    }

    fn none() -> BlobError {
        BlobError::Store("no store of attached files is configured".into())
    }

    /// The embedded default: a directory (created if missing).
    pub fn directory(root: impl Into<PathBuf>) -> Result<Self, BlobError> {
        let root = root.into();
        let spool = root.join("tmp");
        std::fs::create_dir_all(&spool).map_err(io)?;
        std::fs::create_dir_all(root.join("sha256")).map_err(io)?;
        clear_spool(&spool)?;
        Ok(BlobStore {
            backend: Backend::Dir { root },
            spool,
            failed_reads: Arc::default(),
        })
    }

    /// An S3-compatible bucket; uploads are spooled in `spool` (created if missing).
    pub fn s3(settings: &S3Settings, spool: impl Into<PathBuf>) -> Result<Self, BlobError> {
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&settings.bucket)
            .with_region(&settings.region);
        if let Some(endpoint) = &settings.endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"))
                .with_virtual_hosted_style_request(false);
        }
        if let (Some(key), Some(secret)) = (&settings.access_key_id, &settings.secret_access_key) {
            builder = builder
                .with_access_key_id(key)
                .with_secret_access_key(secret);
        }
        let store = builder.build().map_err(io)?;
        let spool = spool.into();
        std::fs::create_dir_all(&spool).map_err(io)?;
        clear_spool(&spool)?;
        Ok(BlobStore {
            backend: Backend::S3 {
                store: Arc::new(store),
                bucket: settings.bucket.clone(),
            },
            spool,
            failed_reads: Arc::default(),
        })
    }

    /// `directory` or `s3`, for `/readyz` and the logs.
    pub fn kind(&self) -> &'static str {
        match self.backend {
            Backend::None => "none",
            Backend::Dir { .. } => "directory",
            Backend::S3 { .. } => "s3",
        }
    }

    /// Reads that found a blob missing or corrupt since the service started.
    pub fn failed_reads(&self) -> u64 {
        self.failed_reads.load(Ordering::Relaxed)
    }

    fn dir_path(root: &Path, sha256: &Sha256) -> PathBuf {
        root.join("sha256")
            .join(&sha256.as_str()[..2])
            .join(sha256.as_str())
    }

    fn object_path(sha256: &Sha256) -> ObjectPath {
        ObjectPath::from(format!("sha256/{sha256}"))
    }

    /// Streams an upload into a synced temporary file (see the module doc).
    pub async fn receive<S, E>(&self, mut stream: S) -> Result<Spooled, ReceiveError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        if let Backend::None = self.backend {
            return Err(Self::none().into());
        }
        let temp = TempFile(self.spool.join(format!("upload-{}", uuid::Uuid::new_v4())));
        let mut file = tokio::fs::File::create(&temp.0).await.map_err(io)?;
        let mut hasher = sha2::Sha256::new();
        let mut head = Vec::with_capacity(SNIFF_BYTES);
        let mut size: u64 = 0;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|error| ReceiveError::Upload(error.to_string()))?;
            size += chunk.len() as u64;
            if size > FILE_MAX_BYTES {
                return Err(AttachmentError::FileTooLarge {
                    max: FILE_MAX_BYTES,
                }
                .into());
            }
            if head.len() < SNIFF_BYTES {
                let take = (SNIFF_BYTES - head.len()).min(chunk.len());
                head.extend_from_slice(&chunk[..take]);
            }
            hasher.update(&chunk);
            file.write_all(&chunk).await.map_err(io)?;
        }
        check_size(size)?;
        file.sync_all().await.map_err(io)?;
        drop(file);
        let media_type = judge_type(&head, &temp.0).await?;
        let sha256 = Sha256::parse(&hex::encode(hasher.finalize()))
            .ok_or_else(|| BlobError::Store("a digest of the wrong shape".into()))?;
        Ok(Spooled {
            sha256,
            size,
            media_type,
            temp,
        })
    }

    /// Stores a received upload durably under its digest; an event may name it afterwards.
    pub async fn keep(&self, spooled: Spooled) -> Result<Sha256, BlobError> {
        match &self.backend {
            Backend::None => return Err(Self::none()),
            Backend::Dir { root } => {
                let target = Self::dir_path(root, &spooled.sha256);
                let parent = target.parent().unwrap_or(root).to_owned();
                if tokio::fs::metadata(&parent).await.is_err() {
                    tokio::fs::create_dir_all(&parent).await.map_err(io)?;
                    sync_dir(&root.join("sha256")).await?;
                }
                // Same content, same name: replacing an existing blob also heals a corrupt one.
                tokio::fs::rename(&spooled.temp.0, &target)
                    .await
                    .map_err(io)?;
                sync_dir(&parent).await?;
            }
            Backend::S3 { store, .. } => {
                let bytes = tokio::fs::read(&spooled.temp.0).await.map_err(io)?;
                store
                    .put(&Self::object_path(&spooled.sha256), bytes.into())
                    .await
                    .map_err(io)?;
            }
        }
        Ok(spooled.sha256.clone())
    }

    /// Stores bytes made by the service (an issued notice's PDF) durably under their digest, as
    /// an upload is: written to the spool and synced, then kept. The same bytes give the same
    /// digest, so storing them twice changes nothing.
    pub async fn keep_bytes(&self, bytes: &[u8]) -> Result<Sha256, BlobError> {
        if let Backend::None = self.backend {
            return Err(Self::none());
        }
        let sha256 = Sha256::parse(&hex_sha(bytes))
            .ok_or_else(|| BlobError::Store("a digest of the wrong shape".into()))?;
        let temp = TempFile(self.spool.join(format!("upload-{}", uuid::Uuid::new_v4())));
        let mut file = tokio::fs::File::create(&temp.0).await.map_err(io)?;
        file.write_all(bytes).await.map_err(io)?;
        file.sync_all().await.map_err(io)?;
        drop(file);
        self.keep(Spooled {
            sha256,
            size: bytes.len() as u64,
            media_type: MediaType::Pdf,
            temp,
        })
        .await
    }

    async fn fetch(&self, sha256: &Sha256) -> Result<Bytes, BlobError> {
        let missing = || BlobError::Missing {
            sha256: sha256.clone(),
        };
        match &self.backend {
            Backend::None => Err(Self::none()),
            Backend::Dir { root } => match tokio::fs::read(Self::dir_path(root, sha256)).await {
                Ok(bytes) => Ok(bytes.into()),
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => Err(missing()),
                Err(error) => Err(io(error)),
            },
            Backend::S3 { store, .. } => match store.get(&Self::object_path(sha256)).await {
                Ok(answer) => answer.bytes().await.map_err(io),
                Err(object_store::Error::NotFound { .. }) => Err(missing()),
                Err(error) => Err(io(error)),
            },
        }
    }

    /// The bytes stored under `sha256`, verified against it.
    pub async fn read(&self, sha256: &Sha256) -> Result<Bytes, BlobError> {
        let verified = self.fetch(sha256).await.and_then(|bytes| {
            let actual = hex_sha(&bytes);
            if actual == sha256.as_str() {
                Ok(bytes)
            } else {
                Err(BlobError::Corrupt {
                    sha256: sha256.clone(),
                    actual,
                })
            }
        });
        if let Err(BlobError::Missing { .. } | BlobError::Corrupt { .. }) = &verified {
            self.failed_reads.fetch_add(1, Ordering::Relaxed);
        }
        verified
    }

    /// Whether the bytes under `sha256` are there and whole (for `grants audit verify`).
    pub async fn check(&self, sha256: &Sha256) -> Result<(), BlobError> {
        self.read(sha256).await.map(|_| ())
    }

    /// Every blob in the store, with when it was last written (for `grants attachments sweep`).
    /// Uploads still in the spool are not blobs yet and are not listed.
    pub async fn list(&self) -> Result<Vec<StoredBlob>, BlobError> {
        match &self.backend {
            Backend::None => Err(Self::none()),
            Backend::Dir { root } => {
                let root = root.join("sha256");
                tokio::task::spawn_blocking(move || list_dir(&root))
                    .await
                    .map_err(io)?
            }
            Backend::S3 { store, .. } => {
                let mut listed = store.list(Some(&ObjectPath::from("sha256")));
                let mut found = Vec::new();
                while let Some(meta) = listed.next().await {
                    let meta = meta.map_err(io)?;
                    let Some(sha256) = meta.location.filename().and_then(Sha256::parse) else {
                        continue;
                    };
                    let written =
                        time::OffsetDateTime::from_unix_timestamp(meta.last_modified.timestamp())
                            .map_err(io)?;
                    found.push(StoredBlob { sha256, written });
                }
                Ok(found)
            }
        }
    }

    /// Deletes the blob `sha256` (only `grants attachments sweep` does, for blobs no event names).
    pub async fn delete(&self, sha256: &Sha256) -> Result<(), BlobError> {
        match &self.backend {
            Backend::None => Err(Self::none()),
            Backend::Dir { root } => {
                let path = Self::dir_path(root, sha256);
                match tokio::fs::remove_file(&path).await {
                    Ok(()) => {}
                    Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
                    Err(error) => return Err(io(error)),
                }
                match path.parent() {
                    Some(parent) => sync_dir(parent).await,
                    None => Ok(()),
                }
            }
            Backend::S3 { store, .. } => match store.delete(&Self::object_path(sha256)).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(error) => Err(io(error)),
            },
        }
    }

    /// Whether the store answers: the directory is writable, or the bucket can be listed.
    pub async fn probe(&self) -> Result<(), BlobError> {
        match &self.backend {
            Backend::None => Err(Self::none()),
            Backend::Dir { .. } => {
                let probe = TempFile(self.spool.join(format!("probe-{}", uuid::Uuid::new_v4())));
                tokio::fs::write(&probe.0, b"probe").await.map_err(io)?;
                Ok(())
            }
            Backend::S3 { store, bucket } => store
                .list_with_delimiter(Some(&ObjectPath::from("sha256")))
                .await
                .map(|_| ())
                .map_err(|error| BlobError::Store(format!("bucket {bucket}: {error}"))),
        }
    }
}

/// An S3-compatible bucket's settings (`config::AttachmentsConfig`).
#[derive(Clone, Debug)]
pub struct S3Settings {
    /// The bucket's name.
    pub bucket: String,
    /// The bucket's region (`us-east-1` unless set).
    pub region: String,
    /// `http://127.0.0.1:9000` for a server other than AWS's; `None` for AWS.
    pub endpoint: Option<String>,
    /// The access key's id; `None` to use the machine's AWS credentials.
    pub access_key_id: Option<String>,
    /// The secret access key; `None` to use the machine's AWS credentials.
    pub secret_access_key: Option<String>,
}
