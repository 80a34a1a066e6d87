//! Finding the buyer amount that nets the seller a target: an analytic guess,
//! a bracket around the answer, then bisection over minor units.

use rust_decimal::Decimal;

use crate::money::{CurrencyCode, Money, MoneyError, round_half_even_i64};

use super::estimate::{EstimateError, EstimateLimits, Pricing};
use super::pricing::{Priced, Pricer};

fn overflow() -> EstimateError {
    EstimateError::Money(MoneyError::Overflow)
}

impl Pricer<'_> {
    /// Net paise for a buyer amount of `minor` units, `None` if not viable.
    pub(super) fn net_for(
        &self,
        minor: i64,
        b: CurrencyCode,
    ) -> Result<Option<Pricing>, EstimateError> {
        if minor <= 0 {
            return Ok(None);
        }
        Ok(match self.price(Money::from_minor(minor, b))? {
            Priced::Viable(p) => Some(*p),
            Priced::NotViable(_) => None,
        })
    }

    /// Smallest buyer amount (minor units) whose net reaches `target`, such
    /// that one minor unit less nets below it. `None` if the amount would
    /// exceed the cap.
    ///
    /// An analytic guess (target at mid, corrected by the cost seen at the
    /// guess), then a bracket that grows geometrically from one minor unit
    /// (the corrected guess is usually a few units off), then bisection over
    /// minor units. The invariant `net(lo) < target ≤ net(hi)` makes the
    /// answer locally minimal even where GST rounding makes the net dip.
    pub(super) fn search(
        &self,
        target: Money,
        b: CurrencyCode,
        limits: &EstimateLimits,
    ) -> Result<Option<Pricing>, EstimateError> {
        let ppm = self.rates.paise_per_minor(b)?;
        let max_minor = {
            let m = Decimal::from(limits.max_amount_inr.minor)
                .checked_div(ppm)
                .ok_or_else(overflow)?
                .floor();
            round_half_even_i64(m)?
        };
        if max_minor <= 0 {
            return Ok(None);
        }
        let mut search = Search {
            pricer: self,
            target: target.minor,
            b,
            ppm,
            max_minor,
            steps: 0,
            max_steps: limits.max_search_steps,
        };
        let (guess, priced) = search.guess()?;
        let bracket = if reaches(&priced, search.target) {
            search.walk_down(guess, priced)?
        } else {
            match search.walk_up(guess)? {
                Some(bracket) => bracket,
                None => return Ok(None),
            }
        };
        search.bisect(bracket)
    }
}

/// One search for a target net, counting the prices it takes.
struct Search<'p, 'a> {
    pricer: &'p Pricer<'a>,
    /// Target net, paise.
    target: i64,
    b: CurrencyCode,
    /// Paise per minor unit of `b` at mid.
    ppm: Decimal,
    /// The cap on the buyer amount, minor units of `b`.
    max_minor: i64,
    steps: u32,
    max_steps: u32,
}

/// `net(lo) < target ≤ net(hi)`, with the pricing at `hi`.
struct Bracket {
    lo: i64,
    hi: i64,
    at_hi: Option<Pricing>,
}

/// Whether a pricing nets at least `target` paise.
fn reaches(p: &Option<Pricing>, target: i64) -> bool {
    p.as_ref().is_some_and(|p| p.net_inr.minor >= target)
}

impl Search<'_, '_> {
    /// Prices `minor` units; an error once the step budget is spent.
    fn eval(&mut self, minor: i64) -> Result<Option<Pricing>, EstimateError> {
        self.steps += 1;
        if self.steps > self.max_steps {
            return Err(EstimateError::SearchDidNotConverge {
                route: self.pricer.route.code.clone(),
            });
        }
        self.pricer.net_for(minor, self.b)
    }

    /// The analytic guess: the target at mid, then one correction by the
    /// shortfall seen there (fixed fees and the proportional costs).
    fn guess(&mut self) -> Result<(i64, Option<Pricing>), EstimateError> {
        let (ppm, max_minor) = (self.ppm, self.max_minor);
        let tgt = Decimal::from(self.target);
        let mut guess = round_half_even_i64(tgt.checked_div(ppm).ok_or_else(overflow)?.ceil())?
            .clamp(1, max_minor);
        let mut g = self.eval(guess)?;
        if let Some(p) = &g {
            let short = self.target - p.net_inr.minor;
            // Share of the mid value that reaches the seller at the guess.
            let ratio = Decimal::from(p.net_inr.minor.max(1))
                .checked_div(Decimal::from(p.mid_market_equivalent_inr.minor.max(1)))
                .unwrap_or(Decimal::ONE);
            if short > 0 && ratio > Decimal::ZERO {
                let extra = Decimal::from(short)
                    .checked_div(ratio)
                    .and_then(|x| x.checked_div(ppm))
                    .ok_or_else(overflow)?
                    .ceil();
                guess = guess
                    .saturating_add(round_half_even_i64(extra.min(Decimal::from(max_minor)))?)
                    .clamp(1, max_minor);
                g = self.eval(guess)?;
            }
        }
        Ok((guess, g))
    }

    /// From a guess that reaches the target, walks down in growing steps
    /// until the net falls below it (0 = sentinel).
    fn walk_down(
        &mut self,
        mut hi: i64,
        mut at_hi: Option<Pricing>,
    ) -> Result<Bracket, EstimateError> {
        let mut step: i64 = 1;
        loop {
            let cand = hi.saturating_sub(step).max(0);
            let p = if cand == 0 { None } else { self.eval(cand)? };
            if !reaches(&p, self.target) {
                return Ok(Bracket {
                    lo: cand,
                    hi,
                    at_hi,
                });
            }
            hi = cand;
            at_hi = p;
            step = step.saturating_mul(2);
        }
    }

    /// From a guess that falls short, walks up in growing steps until the net
    /// reaches the target; `None` at the cap.
    fn walk_up(&mut self, mut lo: i64) -> Result<Option<Bracket>, EstimateError> {
        let mut step: i64 = 1;
        loop {
            if lo >= self.max_minor {
                return Ok(None);
            }
            let cand = lo.saturating_add(step).min(self.max_minor);
            let p = self.eval(cand)?;
            if reaches(&p, self.target) {
                return Ok(Some(Bracket {
                    lo,
                    hi: cand,
                    at_hi: p,
                }));
            }
            lo = cand;
            step = step.saturating_mul(2);
        }
    }

    /// Halves the bracket down to one minor unit; the pricing at its top.
    fn bisect(&mut self, bracket: Bracket) -> Result<Option<Pricing>, EstimateError> {
        let Bracket {
            mut lo,
            mut hi,
            mut at_hi,
        } = bracket;
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            let p = self.eval(mid)?;
            if reaches(&p, self.target) {
                hi = mid;
                at_hi = p;
            } else {
                lo = mid;
            }
        }
        Ok(at_hi)
    }
}
