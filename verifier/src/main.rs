//! `grants-verify`: checks what the grants service publishes, with no database and none of the
//! service's code. Exits 0 when everything holds, 1 with the first bad position otherwise, 2 on
//! bad usage. See docs/verification.md.

use std::io::BufRead;
use std::process::ExitCode;

use grants_verifier::export::{self, ConsistencyProof, InclusionProof};
use grants_verifier::head::{self, TreeHead, VerifyingKey};

const USAGE: &str = "usage:
  grants-verify heads       --key HEX HEADS.json
  grants-verify inclusion   --key HEX PROOF.json
  grants-verify consistency --key HEX PROOF.json
  grants-verify export      --key HEX --heads HEADS.json LOG.jsonl

HEX is the service's public key (GET /api/v1/public/tree-heads/key); HEADS.json is the list of
signed heads (GET /api/v1/public/tree-heads, or a JSON array of heads); LOG.jsonl the export
(`grants audit export` or GET /api/v1/audit/export). Fetch the heads before the export.";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(summary) => {
            println!("OK: {summary}");
            ExitCode::SUCCESS
        }
        Err(Error::Usage(message)) => {
            eprintln!("{message}\n\n{USAGE}");
            ExitCode::from(2)
        }
        Err(Error::Bad(message)) => {
            println!("FAILED: {message}");
            ExitCode::FAILURE
        }
    }
}

enum Error {
    Usage(String),
    Bad(String),
}

fn run(args: Vec<String>) -> Result<String, Error> {
    let mut key = None;
    let mut heads = None;
    let mut files = Vec::new();
    let mut args = args.into_iter();
    let command = args
        .next()
        .ok_or_else(|| Error::Usage("no command".into()))?;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--key" => key = args.next(),
            "--heads" => heads = args.next(),
            _ => files.push(arg),
        }
    }
    let key = key.ok_or_else(|| Error::Usage("--key is needed".into()))?;
    let key: VerifyingKey = head::parse_key(&key).ok_or_else(|| {
        Error::Usage("--key must be 64 hex digits of an Ed25519 public key".into())
    })?;
    let [file] = files.as_slice() else {
        return Err(Error::Usage("one file is needed".into()));
    };
    match command.as_str() {
        "heads" => {
            let heads = read_heads(file)?;
            let roots = export::check_heads(&heads, &key).map_err(|f| Error::Bad(f.to_string()))?;
            Ok(format!(
                "{} heads, {} sizes, signatures good, no fork",
                heads.len(),
                roots.len()
            ))
        }
        "inclusion" => {
            let proof: InclusionProof = read_json(file)?;
            export::verify_inclusion(&proof, &key).map_err(Error::Bad)?;
            Ok(format!(
                "leaf {} is in the tree of size {} signed at {}",
                proof.leaf_index, proof.tree_size, proof.head.timestamp
            ))
        }
        "consistency" => {
            let proof: ConsistencyProof = read_json(file)?;
            export::verify_consistency(&proof, &key).map_err(Error::Bad)?;
            Ok(format!(
                "the tree of size {} extends the tree of size {}",
                proof.second.tree_size, proof.first.tree_size
            ))
        }
        "export" => {
            let heads =
                read_heads(&heads.ok_or_else(|| Error::Usage("--heads is needed".into()))?)?;
            let log = std::fs::File::open(file)
                .map_err(|e| Error::Usage(format!("cannot open {file}: {e}")))?;
            let report = export::verify_export(std::io::BufReader::new(log).lines(), &heads, &key)
                .map_err(|f| Error::Bad(f.to_string()))?;
            Ok(format!(
                "{} events, {} signed heads match, root {} ({} links before the switch to JCS taken as given)",
                report.events, report.heads_checked, report.root_hash, report.chain_v1_links
            ))
        }
        other => Err(Error::Usage(format!("unknown command {other}"))),
    }
}

fn read_json<T: serde::de::DeserializeOwned>(file: &str) -> Result<T, Error> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| Error::Usage(format!("cannot read {file}: {e}")))?;
    serde_json::from_str(&text).map_err(|e| Error::Bad(format!("{file} is not well formed: {e}")))
}

/// A JSON array of heads, or the public endpoint's document (`{"heads": [...]}`).
fn read_heads(file: &str) -> Result<Vec<TreeHead>, Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Heads {
        List(Vec<TreeHead>),
        Document { heads: Vec<TreeHead> },
    }
    Ok(match read_json::<Heads>(file)? {
        Heads::List(heads) | Heads::Document { heads } => heads,
    })
}
