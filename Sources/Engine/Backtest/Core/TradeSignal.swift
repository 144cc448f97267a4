/// A binary-option direction.
package enum TradeSignal: String, Sendable, Equatable {
    /// Bet the price rises.
    case call
    /// Bet the price falls.
    case put
}
