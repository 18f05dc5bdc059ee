//! The city's official documents as PDF (issue 17): the domain decides what each says
//! (`grants_domain::document`), `render` lays it out on A4 with krilla in one embedded, subset
//! Japanese font read at run time (`--document-font`, Debian's IPA明朝 by default), and
//! [`issue`] issues the notices from the log: renders, keeps the bytes in the file store by
//! SHA-256 and records `NoticeIssued` on the grant or the application, once.
//!
//! Forms (交付申請書, 実績報告書) are rendered on demand from the state: the same state gives the
//! same bytes, as for every notice.

pub mod issue;
mod render;

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use grants_domain::document::{Issuer, Letter};

/// Debian's IPA明朝 (package fonts-ipafont-mincho): fixed-pitch, which the layout's widths assume.
pub const DEFAULT_FONT: &str = "/usr/share/fonts/opentype/ipafont-mincho/ipam.ttf";

/// Why a document could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    /// The font file could not be read, or is not a font.
    #[error("the document font {path} could not be read: {reason}")]
    Font {
        /// The font file's path.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// The PDF could not be laid out or written.
    #[error("{0}")]
    Render(String),
}

/// The city's settings for its documents and the font, read once when first needed.
pub struct Documents {
    /// Who issues the notices: the mayor's title printed on them.
    pub issuer: Issuer,
    /// The font file the PDFs embed a subset of (IPA明朝 by default).
    pub font_path: PathBuf,
    font: OnceLock<Result<krilla::text::Font, String>>,
}

impl std::fmt::Debug for Documents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Documents")
            .field("issuer", &self.issuer)
            .field("font_path", &self.font_path)
            .finish()
    }
}

impl Default for Documents {
    fn default() -> Self {
        Documents::new(
            grants_domain::document::DEFAULT_MAYOR_TITLE,
            PathBuf::from(DEFAULT_FONT),
        )
    }
}

impl Documents {
    /// The documents of an issuer with `mayor_title`, set in the font at `font_path` (read when
    /// first needed).
    pub fn new(mayor_title: &str, font_path: PathBuf) -> Self {
        Documents {
            issuer: Issuer {
                mayor_title: mayor_title.to_owned(),
            },
            font_path,
            font: OnceLock::new(),
        }
    }

    fn font(&self) -> Result<krilla::text::Font, DocumentError> {
        let loaded = self.font.get_or_init(|| {
            let bytes = std::fs::read(&self.font_path).map_err(|error| error.to_string())?;
            krilla::text::Font::new(bytes.into(), 0).ok_or_else(|| "not a font".to_owned())
        });
        loaded.clone().map_err(|reason| DocumentError::Font {
            path: self.font_path.display().to_string(),
            reason,
        })
    }

    /// The letter as PDF bytes (CPU work: run off the async threads).
    pub async fn render(self: &Arc<Self>, letter: Letter) -> Result<Vec<u8>, DocumentError> {
        let documents = Arc::clone(self);
        tokio::task::spawn_blocking(move || documents.render_now(&letter))
            .await
            .map_err(|error| DocumentError::Render(error.to_string()))?
    }

    /// The letter as PDF bytes, on this thread.
    pub fn render_now(&self, letter: &Letter) -> Result<Vec<u8>, DocumentError> {
        render::render(letter, self.font()?).map_err(DocumentError::Render)
    }
}
