//! User management by admins: list, disable and re-enable, change a role. Each change is
//! recorded in `user_audit_log` in its transaction and logged (target `audit`) after commit;
//! this process's session cache forgets the user at once, others within `CACHE_TTL`.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::json;
use uuid::Uuid;

use super::api::{ChangeRoleRequest, UserFilters, UserStatus, UserView};
use super::model::{Membership, User};
use super::service::{load_account, organisation_for, revoke_user_sessions, user_view};
use super::sessions::SessionCache;
use super::{PLATFORM_ORGANISATION_ID, Principal, Role};
use crate::db::schema::{memberships, user_audit_log, users};
use crate::error::{ApiError, ApiResult, Validator};
use crate::http::{Direction, Page, PageParams};

/// `LIKE` pattern matching strings that start with `prefix` literally.
fn like_prefix(prefix: &str) -> String {
    let mut pattern = String::with_capacity(prefix.len() + 1);
    for c in prefix.chars() {
        if matches!(c, '\\' | '%' | '_') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Users newest first, filtered. Admins only.
pub async fn list(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    filters: &UserFilters,
    page: &PageParams,
) -> ApiResult<Page<UserView>> {
    principal.require(&[Role::Admin])?;
    let keyset = page.keyset(Direction::NewestFirst)?;
    let prefix = filters.email_prefix.as_deref().map(str::trim);
    if prefix.is_some_and(|p| p.chars().count() > 254) {
        return Err(ApiError::field(
            "email_prefix",
            "too_long",
            "must be at most 254 characters",
        ));
    }
    let mut query = keyset.apply(
        users::table
            .inner_join(memberships::table)
            .select((User::as_select(), Membership::as_select()))
            .into_boxed(),
        users::id,
    );
    if let Some(role) = filters.role {
        query = query.filter(memberships::role.eq(role.as_str()));
    }
    if let Some(org) = filters.organisation_id {
        query = query.filter(memberships::organisation_id.eq(org));
    }
    query = match filters.status {
        Some(UserStatus::Active) => query.filter(users::disabled_at.is_null()),
        Some(UserStatus::Disabled) => query.filter(users::disabled_at.is_not_null()),
        None => query,
    };
    if let Some(prefix) = prefix.filter(|p| !p.is_empty()) {
        query = query.filter(users::email.ilike(like_prefix(prefix)));
    }
    let rows: Vec<(User, Membership)> = query.load(conn).await?;
    let views = rows
        .iter()
        .map(|(u, m)| user_view(u, m))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(keyset.page(views, |v| v.id))
}

async fn record(
    conn: &mut AsyncPgConnection,
    actor: &Principal,
    user: Uuid,
    action: &str,
    detail: &serde_json::Value,
) -> ApiResult<()> {
    diesel::insert_into(user_audit_log::table)
        .values((
            user_audit_log::id.eq(Uuid::now_v7()),
            user_audit_log::user_id.eq(user),
            user_audit_log::actor_user_id.eq(actor.user_id),
            user_audit_log::action.eq(action),
            user_audit_log::detail.eq(detail),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

fn log(actor: &Principal, user: Uuid, action: &str, detail: &serde_json::Value) {
    tracing::info!(target: "audit", actor = %actor.user_id, user = %user, action, detail = %detail, "user management");
}

/// Disables a user (revoking every session: their access tokens stop working at once) or
/// enables them again (they log in anew). Repeating either changes nothing. Admins only, and
/// not on themselves.
pub async fn set_disabled(
    conn: &mut AsyncPgConnection,
    cache: &SessionCache,
    principal: &Principal,
    id: Uuid,
    disabled: bool,
) -> ApiResult<UserView> {
    principal.require(&[Role::Admin])?;
    if disabled && id == principal.user_id {
        return Err(ApiError::Conflict(
            "you cannot disable your own account; ask another admin".into(),
        ));
    }
    let action = if disabled { "disabled" } else { "enabled" };
    let (view, changed) = conn
        .transaction(async |conn| {
            let current: User = users::table
                .find(id)
                .select(User::as_select())
                .for_update()
                .first(conn)
                .await?;
            let changed = current.disabled_at.is_some() != disabled;
            if changed {
                let now = Utc::now();
                diesel::update(users::table.find(id))
                    .set((
                        users::disabled_at.eq(disabled.then_some(now)),
                        users::updated_at.eq(now),
                    ))
                    .execute(conn)
                    .await?;
                if disabled {
                    revoke_user_sessions(conn, id, None).await?;
                }
                record(conn, principal, id, action, &json!({})).await?;
            }
            let (user, membership, _) = load_account(conn, id).await?;
            Ok::<_, ApiError>((user_view(&user, &membership)?, changed))
        })
        .await?;
    if changed {
        cache.forget_user(id);
        log(principal, id, action, &json!({}));
    }
    Ok(view)
}

/// Gives a user another role (and organisation, see `ChangeRoleRequest`); it applies to their
/// next request. Admins only, and not on themselves.
pub async fn change_role(
    conn: &mut AsyncPgConnection,
    cache: &SessionCache,
    principal: &Principal,
    id: Uuid,
    req: ChangeRoleRequest,
) -> ApiResult<UserView> {
    principal.require(&[Role::Admin])?;
    if id == principal.user_id {
        return Err(ApiError::Conflict(
            "you cannot change your own role; ask another admin".into(),
        ));
    }
    let (view, detail) = conn
        .transaction(async |conn| {
            let user: User = users::table
                .find(id)
                .select(User::as_select())
                .for_update()
                .first(conn)
                .await?;
            let before: Membership = memberships::table
                .filter(memberships::user_id.eq(id))
                .select(Membership::as_select())
                .first(conn)
                .await?;
            let target = req.organisation_id.unwrap_or(match req.role {
                Role::Admin | Role::Auditor => PLATFORM_ORGANISATION_ID,
                _ => before.organisation_id,
            });
            let mut v = Validator::new();
            let org = organisation_for(conn, &mut v, req.role, Some(target)).await?;
            v.finish()?;
            let org = org.ok_or_else(|| ApiError::internal("validator passed without an organisation"))?;
            let after: Membership = diesel::update(memberships::table.filter(memberships::user_id.eq(id)))
                .set((
                    memberships::role.eq(req.role.as_str()),
                    memberships::organisation_id.eq(org.id),
                    memberships::home_jurisdiction.eq(&org.home_jurisdiction),
                ))
                .returning(Membership::as_returning())
                .get_result(conn)
                .await?;
            let detail = json!({
                "from_role": before.role, "to_role": after.role,
                "from_organisation_id": before.organisation_id, "to_organisation_id": after.organisation_id,
            });
            record(conn, principal, id, "role_changed", &detail).await?;
            Ok::<_, ApiError>((user_view(&user, &after)?, detail))
        })
        .await?;
    cache.forget_user(id);
    log(principal, id, "role_changed", &detail);
    Ok(view)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_prefix_is_literal() {
        assert_eq!(like_prefix("a_b%c\\"), "a\\_b\\%c\\\\%");
        assert_eq!(like_prefix("owner@"), "owner@%");
    }
}
