//! Where photos are kept, each under the SHA-256 of its bytes: a folder on
//! this machine (the default, `DATA/media`), or an S3-compatible object store
//! shared by every gateway (`--media s3://bucket/prefix`, through the
//! `object_store` crate, credentials from the usual `AWS_*` variables).
//!
//! A photo is written before the record that names it, and content
//! addressing makes writing it twice harmless. In the folder, the file and
//! then the folder are synced to disk before the record commits (the
//! `object_store` crate's local folder does not sync, so the folder is ours);
//! an object store's successful `PUT` is durable by its own contract.

use std::{
    fs::{self, File},
    io::Write,
    path::{Path, PathBuf},
    sync::Arc,
};

use object_store::{
    ObjectStore, ObjectStoreExt, PutPayload, aws::AmazonS3, path::Path as ObjectPath,
};
use sha2::{Digest, Sha256};

use crate::{
    db::{DbError, hex},
    media::{self, Sniffed},
    sql::Conn,
};

/// The store of photos, cheap to clone into every handler.
#[derive(Clone)]
pub struct MediaStore(Place);

#[derive(Clone)]
enum Place {
    Folder(PathBuf),
    Objects(Arc<Objects>),
}

/// An S3-compatible bucket, with the runtime its client runs on (the
/// gateway's storage calls are blocking calls on the blocking pool).
struct Objects {
    store: AmazonS3,
    prefix: ObjectPath,
    shown: String,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for Objects {
    fn drop(&mut self) {
        // May be dropped on an async thread, where a runtime cannot block.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl std::fmt::Debug for MediaStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MediaStore({})", self.place())
    }
}

impl MediaStore {
    /// The folder `DATA/media`.
    pub fn folder(data_dir: &Path) -> MediaStore {
        MediaStore(Place::Folder(data_dir.join("media")))
    }

    /// The store `url` names (`s3://bucket/prefix`), or the data folder's if none.
    pub fn open(url: Option<&str>, data_dir: &Path) -> Result<MediaStore, DbError> {
        let Some(url) = url.filter(|url| !url.is_empty()) else {
            return Ok(MediaStore::folder(data_dir));
        };
        let bad = |why: &str| DbError::MediaAddress(format!("{url}: {why}"));
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| bad("only s3://bucket/prefix is known"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(bad("no bucket"));
        }
        let store = object_store::aws::AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .build()
            .map_err(|err| bad(&err.to_string()))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("cds-media")
            .enable_all()
            .build()
            .map_err(|err| DbError::Worker(err.to_string()))?;
        Ok(MediaStore(Place::Objects(Arc::new(Objects {
            store,
            prefix: ObjectPath::from(prefix.trim_matches('/')),
            shown: format!("s3://{bucket}/{}", prefix.trim_matches('/')),
            runtime: Some(runtime),
        }))))
    }

    /// The store as log lines name it.
    pub fn place(&self) -> String {
        match &self.0 {
            Place::Folder(dir) => dir.display().to_string(),
            Place::Objects(objects) => objects.shown.clone(),
        }
    }

    /// Writes `bytes` and records them; returns their hash. Blocking.
    pub fn store(&self, conn: &Conn, bytes: &[u8], sniffed: Sniffed) -> Result<String, DbError> {
        let hash = hex(&Sha256::digest(bytes));
        self.write(bytes, &hash)?;
        media::record(conn, &hash, bytes.len(), sniffed)?;
        Ok(hash)
    }

    /// Writes the photo named `hash` (the SHA-256 of `bytes`) durably,
    /// unless the folder has it already. Needs no database: the intake
    /// writes photos before it takes the database's lock, and before the
    /// record that names them. Blocking.
    pub fn write(&self, bytes: &[u8], hash: &str) -> Result<(), DbError> {
        match &self.0 {
            Place::Folder(dir) => write_file(dir, bytes, hash),
            Place::Objects(objects) => {
                let location = objects.path(hash);
                let payload = PutPayload::from(bytes.to_vec());
                objects
                    .block_on(objects.store.put(&location, payload))
                    .map(|_| ())
                    .map_err(|err| DbError::Media(format!("{}: {err}", objects.shown)))
            }
        }
    }

    /// The photo named `hash`, if stored. Blocking.
    pub fn read(&self, hash: &str) -> Result<Option<Vec<u8>>, DbError> {
        match &self.0 {
            Place::Folder(dir) => match fs::read(dir.join(hash)) {
                Ok(bytes) => Ok(Some(bytes)),
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(err) => Err(DbError::Folder(dir.clone(), err)),
            },
            Place::Objects(objects) => {
                let location = objects.path(hash);
                let read =
                    objects.block_on(async { objects.store.get(&location).await?.bytes().await });
                match read {
                    Ok(bytes) => Ok(Some(bytes.to_vec())),
                    Err(object_store::Error::NotFound { .. }) => Ok(None),
                    Err(err) => Err(DbError::Media(format!("{}: {err}", objects.shown))),
                }
            }
        }
    }

    /// Whether the store answers (for `/ready`). Blocking.
    pub fn check(&self) -> Result<(), DbError> {
        match &self.0 {
            Place::Folder(dir) => {
                fs::create_dir_all(dir).map_err(|err| DbError::Folder(dir.clone(), err))?;
                let meta = fs::metadata(dir).map_err(|err| DbError::Folder(dir.clone(), err))?;
                if meta.permissions().readonly() {
                    return Err(DbError::Media(format!("{} is read-only", dir.display())));
                }
                Ok(())
            }
            Place::Objects(objects) => objects
                .block_on(objects.store.list_with_delimiter(Some(&objects.prefix)))
                .map(|_| ())
                .map_err(|err| DbError::Media(format!("{}: {err}", objects.shown))),
        }
    }
}

impl Objects {
    fn path(&self, hash: &str) -> ObjectPath {
        self.prefix.clone().join(hash)
    }

    fn block_on<T>(
        &self,
        future: impl std::future::Future<Output = object_store::Result<T>>,
    ) -> object_store::Result<T> {
        match &self.runtime {
            Some(runtime) => runtime.block_on(future),
            // Only `Drop` takes the runtime.
            None => Err(object_store::Error::Generic {
                store: "S3",
                source: "the media store is closed".into(),
            }),
        }
    }
}

fn write_file(dir: &Path, bytes: &[u8], hash: &str) -> Result<(), DbError> {
    let path = dir.join(hash);
    if path.is_file() {
        return Ok(());
    }
    let io = |err: std::io::Error| DbError::Folder(dir.to_owned(), err);
    fs::create_dir_all(dir).map_err(io)?;
    // A name of its own per writer: two requests with the same photo may
    // write it at once; the rename makes either one the file.
    let temp = dir.join(format!("tmp-{hash}-{:?}", std::thread::current().id()));
    let mut file = File::create(&temp).map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.sync_all().map_err(io)?;
    fs::rename(&temp, &path).map_err(io)?;
    // The rename is durable once the folder is: before the record that
    // names the file is committed.
    File::open(dir)
        .and_then(|folder| folder.sync_all())
        .map_err(io)?;
    Ok(())
}
