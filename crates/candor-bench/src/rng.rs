//! A small, fast, seeded random number generator (SplitMix64): the data set
//! is the same from run to run, so two runs measure the same data.

/// SplitMix64.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A whole number in [0, n) (0 when n is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A whole number in [lo, hi], both included.
    pub fn between(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo) as u64 + 1) as i64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// One of `items` (which must not be empty).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// A Pareto-distributed weight ≥ 1 with shape `alpha` (smaller: heavier
    /// tail), capped at `cap`.
    pub fn pareto(&mut self, alpha: f64, cap: f64) -> f64 {
        let u = 1.0 - self.unit();
        u.powf(-1.0 / alpha).min(cap)
    }
}

/// Picks by weight among the first `prefix` entries of a running sum of
/// weights (`cumulative[i]` = weights 0..=i); the last of the prefix when
/// all its weights are zero.
pub fn weighted_prefix(rng: &mut Rng, cumulative: &[f64], prefix: usize) -> usize {
    let prefix = prefix.clamp(1, cumulative.len());
    let total = cumulative[prefix - 1];
    if total <= 0.0 {
        return prefix - 1;
    }
    let r = rng.unit() * total;
    cumulative[..prefix].partition_point(|&c| c <= r).min(prefix - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeatable_and_in_range() {
        let mut a = Rng::new(1);
        let mut b = Rng::new(1);
        for _ in 0..1000 {
            let x = a.below(7);
            assert_eq!(x, b.below(7));
            assert!(x < 7);
            let u = a.unit();
            b.unit();
            assert!((0.0..1.0).contains(&u));
        }
        assert_eq!(a.between(3, 3), 3);
    }

    #[test]
    fn weights_pick_in_proportion() {
        let mut rng = Rng::new(9);
        // weights 0, 1, 3, 0 → running sums 0, 1, 4, 4
        let cum = [0.0, 1.0, 4.0, 4.0];
        let mut seen = [0u32; 4];
        for _ in 0..4000 {
            seen[weighted_prefix(&mut rng, &cum, 4)] += 1;
        }
        assert_eq!(seen[0], 0);
        assert_eq!(seen[3], 0);
        assert!(seen[2] > 2 * seen[1], "{seen:?}");
        assert_eq!(weighted_prefix(&mut rng, &cum, 2), 1);
        assert_eq!(weighted_prefix(&mut rng, &[0.0, 0.0], 2), 1);
    }
}
