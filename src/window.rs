//! The sizes an owner of reusable memory needed lately, and when what it
//! holds is more than it is likely to need again: the shrink rule shared by
//! [`PrometheusReader`](crate::PrometheusReader)'s output buffer and the
//! [`Encoder`](crate::Encoder)'s scratch space.

/// The sizes of the last [`SizeWindow::LEN`] uses.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct SizeWindow {
    sizes: [usize; SizeWindow::LEN],
    next: usize,
}

impl SizeWindow {
    pub const LEN: usize = 8;

    /// Remembers the size one use needed, forgetting the oldest.
    pub fn push(&mut self, size: usize) {
        self.sizes[self.next] = size;
        self.next = (self.next + 1) % Self::LEN;
    }

    /// The largest size of the last [`SizeWindow::LEN`] uses.
    pub fn largest(&self) -> usize {
        self.sizes.iter().copied().max().unwrap_or(0)
    }

    /// Whether holding `held` bytes is waste: more than `floor`, and more
    /// than 4 × the largest size of the last uses. Sizes that recur at
    /// least every [`SizeWindow::LEN`] uses therefore never count as waste,
    /// so a periodic workload never frees and regrows in a cycle.
    pub fn oversized(&self, held: usize, floor: usize) -> bool {
        held > floor && held / 4 > self.largest()
    }
}

#[cfg(test)]
mod tests {
    use super::SizeWindow;

    #[test]
    fn an_outlier_counts_until_it_leaves_the_window() {
        let mut w = SizeWindow::default();
        w.push(1000);
        for _ in 0..SizeWindow::LEN - 1 {
            w.push(10);
            assert!(!w.oversized(2000, 100));
        }
        w.push(10);
        assert!(w.oversized(2000, 100));
        // Never below the floor, and not at exactly 4 × the largest.
        assert!(!w.oversized(2000, 2000));
        assert!(!w.oversized(43, 0));
        assert!(w.oversized(44, 0));
    }
}
