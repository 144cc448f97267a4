import Archive
import ArgumentParser
import Candles
import ChromeCDP
import Engine
import SocketIOServer

/// The `qflux` command: live PocketOption market data from Chrome, candles, archives, export.
@main
struct QFlux: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qflux",
        abstract: "Live market data from a broker web app in your own Chrome: decode, candles, archives, streaming.",
        discussion: """
        qflux reads the WebSocket frames of PocketOption's web app – live from Chrome's DevTools \
        protocol, or from recorded CDP / Selenium performance-log JSONL files – decodes ticks and \
        history, forms candles and archives them as LZ4 chunks that the `lz4` CLI and Python read.

        Raw frames are never printed, logged or archived: they carry your session.
        """,
        version: "0.1.0",
        subcommands: QFluxSubcommands.all
    )
}
