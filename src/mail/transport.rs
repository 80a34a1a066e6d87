//! Where mail goes: an SMTP server (`EXPORTBRIDGE_SMTP_URL`, lettre over rustls), or in dev mode
//! without one a local mailbox directory, one `.eml` file per message, for a person running the
//! demo to open.

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{Config, Mode};

/// A message as the outbox holds it.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub id: uuid::Uuid,
    pub recipient: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Why a send failed, and whether trying again can help.
#[derive(Debug)]
pub struct SendError {
    pub message: String,
    /// The server refused for good (5xx), or the message cannot be built: no retry.
    pub permanent: bool,
}

pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Mailbox(PathBuf),
}

impl Transport {
    /// The configured transport: SMTP when `EXPORTBRIDGE_SMTP_URL` is set; otherwise, in dev
    /// mode only, the mailbox directory (`EXPORTBRIDGE_MAILBOX_DIR`, by default `mailbox` in the
    /// data directory).
    pub fn from_config(config: &Config) -> Result<Transport, String> {
        if let Some(url) = &config.smtp_url {
            let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
                .map_err(|e| format!("EXPORTBRIDGE_SMTP_URL: {e}"))?
                .timeout(Some(Duration::from_secs(config.mail_timeout_secs)))
                .build();
            return Ok(Transport::Smtp(transport));
        }
        if config.mode == Mode::Production {
            return Err("EXPORTBRIDGE_SMTP_URL is required in production mode".into());
        }
        Ok(Transport::Mailbox(config.mailbox_dir()))
    }

    /// Where a person finds the mail, for the start-up log line.
    pub fn describe(&self) -> String {
        match self {
            Transport::Smtp(_) => "SMTP (EXPORTBRIDGE_SMTP_URL)".into(),
            Transport::Mailbox(dir) => format!("the dev mailbox {}", dir.display()),
        }
    }

    pub async fn send(&self, from: &str, mail: &Outgoing) -> Result<(), SendError> {
        let message = build(from, mail).map_err(|message| SendError {
            message,
            permanent: true,
        })?;
        match self {
            Transport::Smtp(smtp) => smtp.send(message).await.map(|_| ()).map_err(|e| SendError {
                message: e.to_string(),
                permanent: e.is_permanent(),
            }),
            Transport::Mailbox(dir) => {
                let transient = |e: std::io::Error| SendError {
                    message: format!("{}: {e}", dir.display()),
                    permanent: false,
                };
                tokio::fs::create_dir_all(dir).await.map_err(transient)?;
                // Named by the outbox id (a v7 UUID): the files sort by time.
                let path = dir.join(format!("{}.eml", mail.id));
                let partial = dir.join(format!(".{}.eml.part", mail.id));
                tokio::fs::write(&partial, message.formatted())
                    .await
                    .map_err(transient)?;
                tokio::fs::rename(&partial, &path).await.map_err(transient)
            }
        }
    }
}

fn build(from: &str, mail: &Outgoing) -> Result<Message, String> {
    let from: Mailbox = from
        .parse()
        .map_err(|e| format!("EXPORTBRIDGE_MAIL_FROM: {e}"))?;
    let to: Mailbox = mail
        .recipient
        .parse()
        .map_err(|e| format!("the recipient address: {e}"))?;
    Message::builder()
        .from(from)
        .to(to)
        .subject(mail.subject.clone())
        .multipart(MultiPart::alternative_plain_html(
            mail.text.clone(),
            mail.html.clone(),
        ))
        .map_err(|e| format!("cannot build the message: {e}"))
}
