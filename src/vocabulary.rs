//! Closed vocabularies: enums whose values are fixed words, written as those words in JSON and
//! stored as them in SQL text columns. `text_enum!` declares one; `check_vocab` and
//! `check_vocab_list` read request fields into them, naming every bad field.

use crate::error::Validator;

/// A closed vocabulary stored as text.
pub trait Vocabulary: Sized + Copy + 'static {
    const ALL: &'static [Self];
    fn as_str(self) -> &'static str;

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.as_str() == s)
    }

    /// The accepted values, for error messages.
    fn expected() -> String {
        Self::ALL
            .iter()
            .map(|v| v.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Declares a `Vocabulary` enum, serialised as its snake_case text in JSON and stored as that
/// text in SQL (`FromSql`/`ToSql` for `Text`), so rows and queries use the enum itself.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
        #[diesel(sql_type = diesel::sql_types::Text)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        /// Read from its text column; an unknown value is an error, never a default.
        impl diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::pg::Pg> for $name {
            fn from_sql(value: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
                let text = <String as diesel::deserialize::FromSql<
                    diesel::sql_types::Text,
                    diesel::pg::Pg,
                >>::from_sql(value)?;
                <$name as $crate::vocabulary::Vocabulary>::parse(&text).ok_or_else(|| {
                    format!("unknown {} {text:?} in the database", stringify!($name)).into()
                })
            }
        }

        /// Written as its text.
        impl diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg> for $name {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
            ) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg>>::to_sql(
                    $crate::vocabulary::Vocabulary::as_str(*self),
                    out,
                )
            }
        }

        impl $crate::vocabulary::Vocabulary for $name {
            const ALL: &'static [$name] = &[$($name::$variant),+];

            fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str($crate::vocabulary::Vocabulary::as_str(*self))
            }
        }
    };
}

pub(crate) use text_enum;

/// The field as one of `T`'s words (trimmed, any case), else a field error listing them.
pub fn check_vocab<T: Vocabulary>(v: &mut Validator, field: &str, raw: &str) -> Option<T> {
    let parsed = T::parse(&raw.trim().to_ascii_lowercase());
    if parsed.is_none() {
        v.push(
            field,
            "invalid",
            format!("must be one of: {}", T::expected()),
        );
    }
    parsed
}

/// A list field as distinct words of `T` (at most `max` items; each bad item named by index).
pub fn check_vocab_list<T: Vocabulary + Ord>(
    v: &mut Validator,
    field: &str,
    raw: Option<Vec<String>>,
    max: usize,
) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for (i, item) in v
        .cap_list(field, raw.unwrap_or_default(), max)
        .iter()
        .enumerate()
    {
        if let Some(value) = check_vocab::<T>(v, &format!("{field}[{i}]"), item)
            && !out.contains(&value)
        {
            out.push(value);
        }
    }
    out
}
