/// One combination's outcome.
package struct SweepRow: Sendable, Equatable {
    /// Position in the cartesian product (first parameter varies slowest).
    package var index: Int
    /// The combination, in the sweep's parameter order.
    package var values: [Double]
    /// The original statistics (nil when the combination failed).
    package var statistics: OriginalStatistics?
    /// The extended statistics (nil when the combination failed).
    package var extended: ExtendedStatistics?
    /// Why the combination failed.
    package var error: String?
}
