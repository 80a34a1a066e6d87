//! The seller lifecycle as pure rules: the actions that move a profile between statuses, which
//! moves are allowed, why a move is refused, and in which statuses the seller may edit.

use super::api::{AuditAction, SellerStatus, Vocabulary};
use crate::error::ApiError;

/// Something that moves a seller profile through its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Submit,
    StartReview,
    RequestChanges,
    Approve,
    Reject,
    Suspend,
    Reinstate,
    Expire,
}

impl Action {
    pub const ALL: [Action; 8] = [
        Action::Submit,
        Action::StartReview,
        Action::RequestChanges,
        Action::Approve,
        Action::Reject,
        Action::Suspend,
        Action::Reinstate,
        Action::Expire,
    ];

    /// How the action is recorded in the audit log.
    pub fn audit_action(self) -> AuditAction {
        match self {
            Action::Submit => AuditAction::Submit,
            Action::StartReview => AuditAction::StartReview,
            Action::RequestChanges => AuditAction::RequestChanges,
            Action::Approve => AuditAction::Approve,
            Action::Reject => AuditAction::Reject,
            Action::Suspend => AuditAction::Suspend,
            Action::Reinstate => AuditAction::Reinstate,
            Action::Expire => AuditAction::Expire,
        }
    }
}

/// An action that is not allowed from the current status. The message says the current status
/// and what is possible from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub struct TransitionError {
    pub from: SellerStatus,
    pub action: Action,
}

fn action_words(action: Action) -> String {
    action.audit_action().as_str().replace('_', " ")
}

fn status_words(status: SellerStatus) -> String {
    status.as_str().replace('_', " ")
}

impl TransitionError {
    fn message(&self) -> String {
        let (from, action) = (self.from, self.action);
        let doing = action_words(action);
        let now = match Action::ALL
            .iter()
            .copied()
            .filter(|a| transition(from, *a).is_ok())
            .map(action_words)
            .collect::<Vec<_>>()
        {
            possible if possible.is_empty() => "no further change is possible".to_owned(),
            possible => format!("possible now: {}", possible.join(", ")),
        };
        let already = SellerStatus::ALL
            .iter()
            .any(|s| transition(*s, action) == Ok(from));
        if already {
            return format!(
                "cannot {doing}: the seller is already {} ({now})",
                status_words(from)
            );
        }
        let sources: Vec<String> = SellerStatus::ALL
            .iter()
            .copied()
            .filter(|s| transition(*s, action).is_ok())
            .map(status_words)
            .collect();
        format!(
            "cannot {doing}: the seller is {}, and {doing} is possible only when it is {} ({now})",
            status_words(from),
            sources.join(" or "),
        )
    }
}

impl From<TransitionError> for ApiError {
    fn from(e: TransitionError) -> Self {
        ApiError::Conflict(e.to_string())
    }
}

/// The whole lifecycle: draft → submitted → under_review → changes_requested → submitted … →
/// approved | rejected; approved → suspended → approved; approved → expired.
pub fn transition(from: SellerStatus, action: Action) -> Result<SellerStatus, TransitionError> {
    use Action as A;
    use SellerStatus as S;
    match (from, action) {
        // An expired seller renews by submitting again.
        (S::Draft | S::ChangesRequested | S::Expired, A::Submit) => Ok(S::Submitted),
        (S::Submitted, A::StartReview) => Ok(S::UnderReview),
        (S::UnderReview, A::RequestChanges) => Ok(S::ChangesRequested),
        (S::UnderReview, A::Approve) => Ok(S::Approved),
        (S::UnderReview, A::Reject) => Ok(S::Rejected),
        (S::Approved, A::Suspend) => Ok(S::Suspended),
        (S::Suspended, A::Reinstate) => Ok(S::Approved),
        (S::Approved, A::Expire) => Ok(S::Expired),
        _ => Err(TransitionError { from, action }),
    }
}

/// The seller may change its profile, payout account and documents only in these states
/// (an expired seller updates its evidence before renewing).
pub fn is_editable(status: SellerStatus) -> bool {
    matches!(
        status,
        SellerStatus::Draft | SellerStatus::ChangesRequested | SellerStatus::Expired
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lifecycle_allows_exactly_these_transitions() {
        use Action as A;
        use SellerStatus as S;
        let allowed = [
            (S::Draft, A::Submit, S::Submitted),
            (S::ChangesRequested, A::Submit, S::Submitted),
            (S::Expired, A::Submit, S::Submitted),
            (S::Submitted, A::StartReview, S::UnderReview),
            (S::UnderReview, A::RequestChanges, S::ChangesRequested),
            (S::UnderReview, A::Approve, S::Approved),
            (S::UnderReview, A::Reject, S::Rejected),
            (S::Approved, A::Suspend, S::Suspended),
            (S::Suspended, A::Reinstate, S::Approved),
            (S::Approved, A::Expire, S::Expired),
        ];
        for &from in SellerStatus::ALL {
            for action in Action::ALL {
                let expected = allowed
                    .iter()
                    .find(|(f, a, _)| *f == from && *a == action)
                    .map(|(_, _, to)| *to);
                match (transition(from, action), expected) {
                    (Ok(to), Some(want)) => assert_eq!(to, want, "{from} {action:?}"),
                    (Err(e), None) => assert_eq!(e, TransitionError { from, action }),
                    (got, want) => panic!("{from} {action:?}: got {got:?}, want {want:?}"),
                }
            }
        }
    }

    #[test]
    fn a_full_lifecycle_walk() {
        use Action::*;
        let mut s = SellerStatus::Draft;
        for action in [
            Submit,
            StartReview,
            RequestChanges,
            Submit,
            StartReview,
            Approve,
            Suspend,
            Reinstate,
            Expire,
        ] {
            s = transition(s, action).unwrap();
        }
        assert_eq!(s, SellerStatus::Expired);
        let e = transition(SellerStatus::Submitted, Submit).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot submit: the seller is already submitted (possible now: start review)"
        );
        assert!(matches!(ApiError::from(e), ApiError::Conflict(_)));
        assert_eq!(
            transition(SellerStatus::Approved, Approve)
                .unwrap_err()
                .to_string(),
            "cannot approve: the seller is already approved (possible now: suspend, expire)"
        );
        assert_eq!(
            transition(SellerStatus::Approved, Reject)
                .unwrap_err()
                .to_string(),
            "cannot reject: the seller is approved, and reject is possible only when it is \
             under review (possible now: suspend, expire)"
        );
        assert_eq!(
            transition(SellerStatus::Rejected, Suspend)
                .unwrap_err()
                .to_string(),
            "cannot suspend: the seller is rejected, and suspend is possible only when it is \
             approved (no further change is possible)"
        );
    }

    #[test]
    fn only_draft_changes_requested_and_expired_are_editable() {
        let editable: Vec<SellerStatus> = SellerStatus::ALL
            .iter()
            .copied()
            .filter(|s| is_editable(*s))
            .collect();
        assert_eq!(
            editable,
            [
                SellerStatus::Draft,
                SellerStatus::ChangesRequested,
                SellerStatus::Expired
            ]
        );
    }
}
