//! Warnings counted by kind for readers that may meet the same problem thousands of times
//! (a flash dump with a damaged erase block, a hostile image with a million bad entries): the
//! first few of each kind are reported with their offset, the rest only counted, so the
//! report stays readable and its memory bounded.

use netvet_model::WarningCode;

use crate::format::OpenCtx;

/// Problems of one kind reported individually before they are only counted.
const SHOWN_PER_CODE: u32 = 5;

#[derive(Default)]
pub(crate) struct Problems {
    /// Per code: reported, suppressed, offset of the first suppressed one.
    by_code: Vec<(WarningCode, u32, u64, u64)>,
}

impl Problems {
    /// Reports a problem, or counts it when enough of its kind were reported.
    pub(crate) fn report(
        &mut self,
        ctx: &mut OpenCtx<'_>,
        code: WarningCode,
        offset: u64,
        msg: impl Into<String>,
    ) {
        let i = match self.by_code.iter().position(|p| p.0 == code) {
            Some(i) => i,
            None => {
                self.by_code.push((code, 0, 0, 0));
                self.by_code.len() - 1
            }
        };
        let p = &mut self.by_code[i];
        if p.1 < SHOWN_PER_CODE {
            p.1 += 1;
            ctx.warn(code, offset, msg);
        } else {
            if p.2 == 0 {
                p.3 = offset;
            }
            p.2 += 1;
        }
    }

    /// Adds one warning per kind with the count of problems not reported.
    pub(crate) fn flush(&mut self, ctx: &mut OpenCtx<'_>) {
        for &(code, _, hidden, first) in &self.by_code {
            if hidden > 0 {
                ctx.warn(
                    code,
                    first,
                    format!("{hidden} more problems of this kind from here on, not listed"),
                );
            }
        }
        self.by_code.clear();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::limits::{Budget, Limits};
    use crate::spool::Spooler;

    #[test]
    fn reports_a_few_then_counts() {
        let budget = Budget::new(Limits::default());
        let spooler = Spooler::default();
        let mut ctx = OpenCtx {
            budget: &budget,
            spooler: &spooler,
            warnings: Vec::new(),
        };
        let mut p = Problems::default();
        for i in 0..1000 {
            p.report(&mut ctx, WarningCode::BadChecksum, i, "bad");
        }
        p.report(&mut ctx, WarningCode::Cycle, 7, "loop");
        p.flush(&mut ctx);
        assert_eq!(ctx.warnings.len(), SHOWN_PER_CODE as usize + 2);
        let last = ctx.warnings.last().unwrap();
        assert_eq!(last.offset, Some(SHOWN_PER_CODE as u64));
        assert!(last.message.starts_with("995 more"), "{}", last.message);
    }
}
