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
    /// The user proved their email address.
    pub email_verified: bool,
}

/// Recently looked-up sessions by id.
#[derive(Default)]
pub struct SessionCache {
    inner: Mutex<Entries>,
}

#[derive(Default)]
struct Entries {
    map: HashMap<Uuid, (Instant, SessionState)>,
    /// Bumped by every forget: a lookup that started before one must not store what it read.
    generation: u64,
}

impl SessionCache {
    fn inner(&self) -> MutexGuard<'_, Entries> {
        // A panic while holding the lock cannot leave the map inconsistent: keep using it.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn get(&self, session: Uuid) -> Option<SessionState> {
        match self.inner().map.get(&session) {
            Some((at, state)) if at.elapsed() < CACHE_TTL => Some(*state),
            _ => None,
        }
    }

    /// Taken before a lookup and handed to `put`.
    pub fn generation(&self) -> u64 {
        self.inner().generation
    }

    /// Stores a looked-up state unless something was forgotten since `generation` was taken
    /// (the lookup may have read the row before a revocation committed).
    pub fn put(&self, session: Uuid, state: SessionState, generation: u64) {
        let mut inner = self.inner();
        if inner.generation != generation {
            return;
        }
        if inner.map.len() >= SWEEP_AT {
            inner.map.retain(|_, (at, _)| at.elapsed() < CACHE_TTL);
        }
        inner.map.insert(session, (Instant::now(), state));
    }

    /// After a session is revoked.
    pub fn forget_session(&self, session: Uuid) {
        let mut inner = self.inner();
        inner.map.remove(&session);
        inner.generation += 1;
    }

    /// After a user is disabled or their role changes.
    pub fn forget_user(&self, user: Uuid) {
        let mut inner = self.inner();
        inner.map.retain(|_, (_, s)| s.user_id != user);
        inner.generation += 1;
    }
}

/// The session, its user and membership, by primary keys (`sessions.id`, `users.id`,
/// `memberships_one_org_per_user`).
pub async fn lookup(
    conn: &mut AsyncPgConnection,
    session: Uuid,
) -> ApiResult<Option<SessionState>> {
    let row: Option<(Uuid, bool, bool, bool, Uuid, String)> = sessions::table
        .inner_join(users::table.inner_join(memberships::table))
        .filter(sessions::id.eq(session))
        .select((
            sessions::user_id,
            sessions::revoked_at.is_null(),
            users::disabled_at.is_null(),
            users::email_verified_at.is_not_null(),
            memberships::organisation_id,
            memberships::role,
        ))
        .first(conn)
        .await
        .optional()?;
    row.map(
        |(user_id, not_revoked, enabled, email_verified, organisation_id, role)| {
            Ok(SessionState {
                user_id,
                organisation_id,
                role: Role::parse(&role)
                    .ok_or_else(|| ApiError::internal(format!("unknown role {role}")))?,
                live: not_revoked && enabled,
                email_verified,
            })
        },
    )
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
            email_verified: true,
        }
    }

    #[test]
    fn cache_forgets_by_session_and_by_user() {
        let cache = SessionCache::default();
        let (u1, u2) = (Uuid::now_v7(), Uuid::now_v7());
        let (s1, s2, s3) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        for (session, user) in [(s1, u1), (s2, u1), (s3, u2)] {
            cache.put(session, state(user), cache.generation());
        }
        assert_eq!(cache.get(s1).map(|s| s.user_id), Some(u1));
        cache.forget_session(s1);
        assert_eq!(cache.get(s1), None);
        cache.forget_user(u1);
        assert_eq!(cache.get(s2), None);
        assert!(cache.get(s3).is_some());
    }

    /// A lookup that read the session before it was revoked (or its user disabled) must not
    /// put the old state back after the revocation forgot it.
    #[test]
    fn a_lookup_older_than_a_forget_is_not_cached() {
        let cache = SessionCache::default();
        let (user, session) = (Uuid::now_v7(), Uuid::now_v7());
        let before = cache.generation();
        cache.forget_user(user);
        cache.put(session, state(user), before);
        assert_eq!(cache.get(session), None);
        cache.put(session, state(user), cache.generation());
        assert!(cache.get(session).is_some());
    }
}
