//! Signing commits as git does when `commit.gpgsign` is set: the configured program
//! (`gpg.format` openpgp, x509 or ssh; `gpg.program`, `gpg.x509.program`,
//! `gpg.ssh.program`) signs the commit buffer with `user.signingkey`, and the signature
//! goes in the commit's `gpgsig` header. When signing is configured and fails, the
//! commit fails: a branch that requires signed commits would refuse an unsigned one.

use std::io::Write;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, anyhow, bail};

use super::{Identity, Repo};
use crate::Hinted;
use crate::store::ScratchFile;

/// How to sign, read from git config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Signer {
    format: Format,
    program: String,
    /// `user.signingkey`, or git's default for the format.
    key: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    OpenPgp,
    X509,
    Ssh,
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Format::OpenPgp => "openpgp",
            Format::X509 => "x509",
            Format::Ssh => "ssh",
        }
    }
}

/// What to do when signing fails.
const HINT: &str = "fix the signing setup (`git commit -S` fails the same way), or turn signing off for this repository with `git config commit.gpgsign false`";

impl Repo {
    /// The signer `commit.gpgsign` asks for, if it does.
    pub(super) fn signer(&self, identity: &Identity) -> Result<Option<Signer>> {
        let config = self.repo.config().context("reading git config")?;
        if !config.get_bool("commit.gpgsign").unwrap_or(false) {
            return Ok(None);
        }
        let get = |key: &str| config.get_string(key).ok().filter(|v| !v.trim().is_empty());
        let format = match get("gpg.format").as_deref().unwrap_or("openpgp") {
            "openpgp" => Format::OpenPgp,
            "x509" => Format::X509,
            "ssh" => Format::Ssh,
            other => bail!(Hinted::new(
                format!(
                    "commit.gpgsign is set, but gpg.format is `{other}`, which git does not know"
                ),
                "set gpg.format to openpgp, x509 or ssh",
            )),
        };
        let program = match format {
            Format::OpenPgp => get("gpg.openpgp.program").or_else(|| get("gpg.program")),
            Format::X509 => get("gpg.x509.program"),
            Format::Ssh => get("gpg.ssh.program"),
        }
        .unwrap_or_else(|| {
            match format {
                Format::OpenPgp => "gpg",
                Format::X509 => "gpgsm",
                Format::Ssh => "ssh-keygen",
            }
            .to_string()
        });
        let key = match get("user.signingkey") {
            Some(key) => key,
            None if format == Format::Ssh => match get("gpg.ssh.defaultKeyCommand") {
                Some(command) => default_ssh_key(&command)?,
                None => bail!(Hinted::new(
                    "commit.gpgsign is set with gpg.format ssh, but no key is configured",
                    "set user.signingkey to your SSH key (or gpg.ssh.defaultKeyCommand)",
                )),
            },
            // As git does: the committer's identity names the key.
            None => format!("{} <{}>", identity.committer.name, identity.committer.email),
        };
        Ok(Some(Signer {
            format,
            program,
            key,
        }))
    }
}

/// The first line `gpg.ssh.defaultKeyCommand` prints: a public key, as git reads it.
fn default_ssh_key(command: &str) -> Result<String> {
    let output = Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running gpg.ssh.defaultKeyCommand `{command}`"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    match text.lines().next().filter(|l| !l.trim().is_empty()) {
        Some(line) if output.status.success() => Ok(format!("key::{}", line.trim())),
        _ => bail!(Hinted::new(
            format!("gpg.ssh.defaultKeyCommand `{command}` gave no key"),
            HINT
        )),
    }
}

impl Signer {
    /// The detached signature of `buffer` (an unsigned commit), ASCII-armoured.
    pub(super) fn sign(&self, buffer: &[u8]) -> Result<String> {
        // A key given as its text (`key::ssh-ed25519 ...`, or a bare `ssh-...` line)
        // lives in an agent; ssh-keygen takes its public half from a file.
        let mut scratch = None;
        let mut command = Command::new(&self.program);
        match self.format {
            Format::OpenPgp | Format::X509 => {
                command.args(["--status-fd=2", "-bsau", &self.key]);
            }
            Format::Ssh => {
                let literal = self
                    .key
                    .strip_prefix("key::")
                    .or_else(|| self.key.starts_with("ssh-").then_some(self.key.as_str()));
                let key_file = match literal {
                    Some(text) => {
                        let file = ScratchFile::with(format!("{text}\n").as_bytes())?;
                        let path = file.path().to_path_buf();
                        scratch = Some(file);
                        path
                    }
                    None => expand_home(&self.key),
                };
                command
                    .args(["-Y", "sign", "-n", "git", "-f"])
                    .arg(key_file);
                if scratch.is_some() {
                    command.arg("-U");
                }
            }
        }
        let failed = |what: String| {
            anyhow!(Hinted::new(
                format!(
                    "commit.gpgsign is set, but signing the commit failed ({} with `{}`): {what}",
                    self.format.name(),
                    self.program
                ),
                HINT,
            ))
        };
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|err| failed(format!("could not run it: {err}")))?;
        let mut stdin = child.stdin.take().expect("stdin is piped");
        let feeding = std::thread::scope(|scope| {
            let feeder = scope.spawn(move || stdin.write_all(buffer));
            let output = child.wait_with_output();
            (feeder.join(), output)
        });
        let output = match feeding {
            (_, Err(err)) => return Err(failed(err.to_string())),
            (_, Ok(output)) => output,
        };
        drop(scratch);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let signature = String::from_utf8_lossy(&output.stdout);
        let created = match self.format {
            // gpg says so on its status line, as git checks.
            Format::OpenPgp | Format::X509 => stderr.contains("[GNUPG:] SIG_CREATED "),
            Format::Ssh => signature.contains("-----BEGIN SSH SIGNATURE-----"),
        };
        if !output.status.success() || !created || signature.trim().is_empty() {
            let detail = stderr
                .lines()
                .filter(|l| !l.starts_with("[GNUPG:]"))
                .collect::<Vec<_>>()
                .join("; ");
            return Err(failed(match output.status.code() {
                Some(code) if detail.is_empty() => format!("it exited with {code}"),
                Some(code) => format!("it exited with {code}: {}", detail.trim()),
                None => "it was stopped by a signal".to_string(),
            }));
        }
        Ok(signature.trim_end().to_string())
    }
}

/// `~/x` as the shell would read it.
fn expand_home(path: &str) -> std::path::PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => std::path::Path::new(&home).join(rest),
        _ => std::path::PathBuf::from(path),
    }
}
