//! Outbound email. A change that mails someone writes the rendered message to `mail_outbox` in
//! its own transaction (`enqueue`); the mail worker (`worker`) sends it over SMTP, or in dev mode
//! into a local mailbox directory (one `.eml` file per message), with retries. Templates are
//! files under `templates/mail/` (plain text and HTML; the text file's first line is the
//! subject), filled in by `render`.

pub mod transport;
pub mod worker;

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::config::Config;
use crate::db::schema::mail_outbox;
use crate::error::{ApiError, ApiResult};

/// The messages the platform sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Template {
    /// A link that confirms the address (`{{link}}`, `{{hours}}`).
    VerifyEmail,
    /// Someone registered with an address that already has an account (`{{link}}`: reset).
    EmailTaken,
    /// A single-use password reset link (`{{link}}`, `{{minutes}}`).
    PasswordReset,
    /// The password was changed or reset (`{{how}}`, `{{ended}}`, `{{link}}`: reset).
    PasswordChanged,
}

impl Template {
    pub fn name(self) -> &'static str {
        match self {
            Template::VerifyEmail => "verify_email",
            Template::EmailTaken => "email_taken",
            Template::PasswordReset => "password_reset",
            Template::PasswordChanged => "password_changed",
        }
    }

    /// The plain-text file (first line `Subject: …`, a blank line, the body) and the HTML body.
    fn files(self) -> (&'static str, &'static str) {
        match self {
            Template::VerifyEmail => (
                include_str!("../../templates/mail/verify_email.txt"),
                include_str!("../../templates/mail/verify_email.html"),
            ),
            Template::EmailTaken => (
                include_str!("../../templates/mail/email_taken.txt"),
                include_str!("../../templates/mail/email_taken.html"),
            ),
            Template::PasswordReset => (
                include_str!("../../templates/mail/password_reset.txt"),
                include_str!("../../templates/mail/password_reset.html"),
            ),
            Template::PasswordChanged => (
                include_str!("../../templates/mail/password_changed.txt"),
                include_str!("../../templates/mail/password_changed.html"),
            ),
        }
    }
}

/// A message ready to store: subject, plain text and HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Replaces every `{{name}}` of `text` by its value (HTML-escaped when `html`); a placeholder
/// without a value is an error (a template and its caller disagree).
fn fill(text: &str, vars: &[(&str, &str)], html: bool) -> Result<String, String> {
    let mut out = String::with_capacity(text.len() + 256);
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .ok_or_else(|| "an unclosed placeholder".to_owned())?;
        let name = &after[..end];
        let value = vars
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| *v)
            .ok_or_else(|| format!("no value for {{{{{name}}}}}"))?;
        if html {
            out.push_str(&escape_html(value));
        } else {
            out.push_str(value);
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Fills `template` with `vars` (the platform's name is `{{platform}}` and always given).
pub fn render(template: Template, platform: &str, vars: &[(&str, &str)]) -> ApiResult<Rendered> {
    let (text, html) = template.files();
    let mut all = vec![("platform", platform)];
    all.extend_from_slice(vars);
    let fail = |e: String| ApiError::internal(format!("mail template {}: {e}", template.name()));
    let text = fill(text, &all, false).map_err(fail)?;
    let (subject, body) = text
        .strip_prefix("Subject: ")
        .and_then(|t| t.split_once("\n\n"))
        .ok_or_else(|| {
            fail("the text file must start with `Subject: …` and a blank line".into())
        })?;
    Ok(Rendered {
        subject: subject.trim().to_owned(),
        text: body.to_owned(),
        html: fill(html, &all, true).map_err(fail)?,
    })
}

/// A link into the platform's own pages: `path` under the configured public URL.
pub fn link(config: &Config, path: &str) -> String {
    format!("{}{path}", config.public_url.trim_end_matches('/'))
}

/// Renders `template` for `recipient` and stores it for the mail worker, in the caller's
/// transaction (so the mail goes out if, and only if, the change commits).
pub async fn enqueue(
    conn: &mut AsyncPgConnection,
    config: &Config,
    recipient: &str,
    template: Template,
    vars: &[(&str, &str)],
) -> ApiResult<Uuid> {
    let rendered = render(template, &config.platform_name, vars)?;
    let id = Uuid::now_v7();
    diesel::insert_into(mail_outbox::table)
        .values((
            mail_outbox::id.eq(id),
            mail_outbox::recipient.eq(recipient),
            mail_outbox::template.eq(template.name()),
            mail_outbox::subject.eq(&rendered.subject),
            mail_outbox::text_body.eq(&rendered.text),
            mail_outbox::html_body.eq(&rendered.html),
        ))
        .execute(conn)
        .await?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_renders_with_its_values() {
        let vars = [
            ("name", "Asha <Exports>"),
            ("email", "asha@example.com"),
            (
                "link",
                "http://localhost:8080/account/verify-email?token=abc&x=1",
            ),
            ("hours", "48"),
            ("minutes", "30"),
            ("how", "changed"),
            ("ended", "Your other sessions were signed out."),
        ];
        for t in [
            Template::VerifyEmail,
            Template::EmailTaken,
            Template::PasswordReset,
            Template::PasswordChanged,
        ] {
            let r = render(t, "exportbridge", &vars).unwrap();
            assert!(r.subject.contains("exportbridge"), "{}", t.name());
            assert!(!r.text.contains("{{") && !r.html.contains("{{"));
            assert!(r.text.contains("Asha <Exports>"));
            assert!(r.html.contains("Asha &lt;Exports&gt;"));
            assert!(!r.html.contains("<Exports>"));
        }
        let r = render(Template::VerifyEmail, "exportbridge", &vars).unwrap();
        assert!(r.text.contains("token=abc&x=1"));
        assert!(r.html.contains("token=abc&amp;x=1"));
    }

    #[test]
    fn a_missing_value_is_an_error_not_a_blank() {
        assert!(render(Template::PasswordReset, "p", &[("name", "n")]).is_err());
        assert_eq!(
            fill("a {{x}} b", &[("x", "1")], false).as_deref(),
            Ok("a 1 b")
        );
        assert!(fill("a {{x", &[("x", "1")], false).is_err());
    }
}
