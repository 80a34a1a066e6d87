//! Whether an access token's session still stands: its user enabled, its role and organisation
//! as stored now, the session not revoked. One indexed lookup per session, behind a cache of
//! `CACHE_TTL`; this process forgets entries itself when it revokes or changes something, other
//! processes see the change within the TTL.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::Role;
use crate::db::schema::{memberships, sessions, users};
use crate::error::{ApiError, ApiResult};

/// How long a looked-up session is trusted without asking the database again.
pub const CACHE_TTL: Duration = Duration::from_secs(1);

/// Entries beyond this make an insert sweep out the expired ones.
const SWEEP_AT: usize = 10_000;

/// A session as the database has it now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionState {
    pub user_id: Uuid,
    pub organisation_id: Uuid,
    pub role: Role,
    /// Not revoked and its user not disabled.
    pub live: bool,
}

/// Recently looked-up sessions by id.
#[derive(Default)]
pub struct SessionCache {
    entries: Mutex<HashMap<Uuid, (Instant, SessionState)>>,
}

impl SessionCache {
    fn entries(&self) -> MutexGuard<'_, HashMap<Uuid, (Instant, SessionState)>> {
        // A panic while holding the lock cannot leave the map inconsistent: keep using it.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn get(&self, session: Uuid) -> Option<SessionState> {
        match self.entries().get(&session) {
            Some((at, state)) if at.elapsed() < CACHE_TTL => Some(*state),
            _ => None,
        }
    }

    pub fn put(&self, session: Uuid, state: SessionState) {
        let mut entries = self.entries();
        if entries.len() >= SWEEP_AT {
            entries.retain(|_, (at, _)| at.elapsed() < CACHE_TTL);
        }
        entries.insert(session, (Instant::now(), state));
    }

    /// After a session is revoked.
    pub fn forget_session(&self, session: Uuid) {
        self.entries().remove(&session);
    }

    /// After a user is disabled or their role changes.
    pub fn forget_user(&self, user: Uuid) {
        self.entries().retain(|_, (_, s)| s.user_id != user);
    }
}

/// The session, its user and membership, by primary keys (`sessions.id`, `users.id`,
/// `memberships_one_org_per_user`).
pub async fn lookup(
    conn: &mut AsyncPgConnection,
    session: Uuid,
) -> ApiResult<Option<SessionState>> {
    let row: Option<(Uuid, bool, bool, Uuid, String)> = sessions::table
        .inner_join(users::table.inner_join(memberships::table))
        .filter(sessions::id.eq(session))
        .select((
            sessions::user_id,
            sessions::revoked_at.is_null(),
            users::disabled_at.is_null(),
            memberships::organisation_id,
            memberships::role,
        ))
        .first(conn)
        .await
        .optional()?;
    row.map(|(user_id, not_revoked, enabled, organisation_id, role)| {
        Ok(SessionState {
            user_id,
            organisation_id,
            role: Role::parse(&role)
                .ok_or_else(|| ApiError::internal(format!("unknown role {role}")))?,
            live: not_revoked && enabled,
        })
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(user: Uuid) -> SessionState {
        SessionState {
            user_id: user,
            organisation_id: Uuid::now_v7(),
            role: Role::Buyer,
            live: true,
        }
    }

    #[test]
    fn cache_forgets_by_session_and_by_user() {
        let cache = SessionCache::default();
        let (u1, u2) = (Uuid::now_v7(), Uuid::now_v7());
        let (s1, s2, s3) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        cache.put(s1, state(u1));
        cache.put(s2, state(u1));
        cache.put(s3, state(u2));
        assert_eq!(cache.get(s1).map(|s| s.user_id), Some(u1));
        cache.forget_session(s1);
        assert_eq!(cache.get(s1), None);
        cache.forget_user(u1);
        assert_eq!(cache.get(s2), None);
        assert!(cache.get(s3).is_some());
    }
}
