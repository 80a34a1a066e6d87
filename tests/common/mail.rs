//! A small SMTP server on 127.0.0.1 that accepts every message and keeps it, for tests that
//! read what the platform mailed.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// A message as it arrived.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    /// The DATA, dot-unstuffed, quoted-printable soft breaks and `=3D` undone.
    pub data: String,
}

impl Received {
    pub fn subject(&self) -> &str {
        self.data
            .lines()
            .find_map(|l| l.strip_prefix("Subject: "))
            .unwrap_or("")
    }

    /// The token of the first link to `path` (e.g. `/account/verify-email`).
    pub fn token(&self, path: &str) -> Option<String> {
        let start = self.data.find(&format!("{path}?token="))? + path.len() + "?token=".len();
        Some(
            self.data[start..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect(),
        )
    }
}

pub struct SmtpServer {
    pub port: u16,
    messages: Arc<Mutex<Vec<Received>>>,
}

fn decode(data: &str) -> String {
    data.lines()
        .map(|l| {
            l.strip_prefix('.')
                .filter(|_| l.starts_with(".."))
                .unwrap_or(l)
        })
        .collect::<Vec<_>>()
        .join("\n")
        .replace("=\n", "")
        .replace("=3D", "=")
}

fn address(arg: &str) -> String {
    arg.trim()
        .trim_start_matches('<')
        .split('>')
        .next()
        .unwrap_or("")
        .to_lowercase()
}

impl SmtpServer {
    pub async fn start() -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let messages = Arc::new(Mutex::new(Vec::new()));
        let kept = messages.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let kept = kept.clone();
                tokio::spawn(async move {
                    let (read, mut write) = stream.into_split();
                    let mut lines = BufReader::new(read).lines();
                    let _ = write.write_all(b"220 localhost test SMTP\r\n").await;
                    let (mut from, mut to) = (String::new(), Vec::new());
                    while let Ok(Some(line)) = lines.next_line().await {
                        let upper = line.to_ascii_uppercase();
                        let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO")
                        {
                            b"250 localhost\r\n"
                        } else if upper.starts_with("MAIL FROM:") {
                            from = address(&line[10..]);
                            to.clear();
                            b"250 OK\r\n"
                        } else if upper.starts_with("RCPT TO:") {
                            to.push(address(&line[8..]));
                            b"250 OK\r\n"
                        } else if upper == "DATA" {
                            let _ = write.write_all(b"354 go on\r\n").await;
                            let mut data = String::new();
                            while let Ok(Some(l)) = lines.next_line().await {
                                if l == "." {
                                    break;
                                }
                                data.push_str(&l);
                                data.push('\n');
                            }
                            kept.lock().unwrap().push(Received {
                                from: from.clone(),
                                to: to.clone(),
                                data: decode(&data),
                            });
                            b"250 queued\r\n"
                        } else if upper == "QUIT" {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            break;
                        } else {
                            b"250 OK\r\n"
                        };
                        if write.write_all(reply).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        SmtpServer { port, messages }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message to `to` so far.
    pub fn to(&self, to: &str) -> Vec<Received> {
        let to = to.to_lowercase();
        self.messages
            .lock()
            .unwrap()
            .iter()
            .filter(|m| m.to.contains(&to))
            .cloned()
            .collect()
    }

    /// Waits (at most 15 s) until `count` messages to `to` have arrived; returns them.
    pub async fn wait_for(&self, to: &str, count: usize) -> Vec<Received> {
        for _ in 0..300 {
            let got = self.to(to);
            if got.len() >= count {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "expected {count} mail(s) to {to}, got {:?}",
            self.to(to)
                .iter()
                .map(Received::subject)
                .collect::<Vec<_>>()
        );
    }
}
