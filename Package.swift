// Platforms: built and tested on Linux (Debian 12, x86-64) only – that is what CI runs. The macOS
// minimum below is what the Synchronization module (Atomic, Mutex) needs there; macOS is not tested.
//
// Targets (docs/architecture.md has the graph): Sources/CSupport holds the C edge, one target per
// C library – the decode shim over simdjson (CDecodeShim, a C/C++ target), system-library
// modules for libwebsockets, lz4, hiredis and epoll, and libpq's loader (CLibPQ: dlopen on first
// use), each used only by its owner. FastDecode turns bytes into market events; each concept
// under Sources/Engine is its own target; `Engine` (in Sources/Engine/Engine) is the composition
// root that wires sources → pipeline → sinks.
//
// Every Swift target builds with MemberImportVisibility (a module's members are visible only
// where it is imported: dependencies are declared where used). QFLUX_WARNINGS_AS_ERRORS=1 in the
// environment (CI sets it) turns the package's own warnings into errors.
import Foundation
// swift-tools-version: 6.2
import PackageDescription

/// SwiftPM defines no NDEBUG in release C/C++ builds; without it simdjson keeps its asserts and
/// parses ~35 % slower (141 → 95 ns per 206-byte document, measured here).
let releaseNDEBUG: [CXXSetting] = [.define("NDEBUG", .when(configuration: .release))]

let swiftSettings: [SwiftSetting] =
    [.enableUpcomingFeature("MemberImportVisibility")]
    + (ProcessInfo.processInfo.environment["QFLUX_WARNINGS_AS_ERRORS"] == "1" ? [.treatAllWarnings(as: .error)] : [])

let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")

/// A concept target inside Sources/Engine.
func concept(_ name: String, _ dependencies: [Target.Dependency], folder: String? = nil) -> Target {
    .target(
        name: name, dependencies: dependencies, path: "Sources/Engine/\(folder ?? name)", swiftSettings: swiftSettings)
}

/// A C library's system-library module in Sources/CSupport: a module map and one header of
/// helpers for what Swift cannot import (macros, fields of opaque structs).
func cLibrary(_ name: String, pkgConfig: String? = nil, apt: [String] = []) -> Target {
    .systemLibrary(
        name: name, path: "Sources/CSupport/\(name)", pkgConfig: pkgConfig,
        providers: apt.isEmpty ? nil : [.apt(apt)])
}

let package = Package(
    name: "qflux",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "qflux", targets: ["qflux"]),
        .executable(name: "qflux-bench", targets: ["qflux-bench"]),
        .library(name: "FastDecode", targets: ["FastDecode", "TextWriters", "ThreadSupport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // The C edge: the decode shim, and one module per C library.
        .target(
            name: "CDecodeShim",
            path: "Sources/CSupport/CDecodeShim",
            cSettings: [.define("NDEBUG", .when(configuration: .release))],
            cxxSettings: releaseNDEBUG,
            linkerSettings: [.linkedLibrary("simdjson")]
        ),
        // Shortest round-trip Double → text in the form of Swift's `description`, no String.
        .target(name: "CFloatFormat", path: "Sources/CSupport/CFloatFormat"),
        cLibrary("CLibWebSockets", pkgConfig: "libwebsockets", apt: ["libwebsockets-dev", "libcap-dev"]),
        cLibrary("CLZ4", pkgConfig: "liblz4", apt: ["liblz4-dev"]),
        // No pkgConfig: hiredis.pc's cflags carry -D_FILE_OFFSET_BITS=64, which SwiftPM refuses (and
        // warns about on every build); the header is <hiredis/hiredis.h> under /usr/include anyway.
        cLibrary("CHiredis", apt: ["libhiredis-dev"]),
        cLibrary("CEpoll"),
        // libpq is loaded on first use (dlopen), not linked: its ~19 libraries would load at the
        // start of every command. libpq-fe.h (libpq-dev) types the loader's pointers.
        .target(name: "CLibPQ", path: "Sources/CSupport/CLibPQ"),

        // Small shared targets.
        concept("ThreadSupport", []),
        concept("TextWriters", ["CFloatFormat"]),

        .target(
            name: "FastDecode", dependencies: ["CDecodeShim", "TextWriters", "ThreadSupport"],
            swiftSettings: swiftSettings),

        // Concepts, bottom up.
        concept("Metrics", []),
        concept("Ring", ["ThreadSupport"]),
        concept("Indicators", ["FastDecode", "TextWriters", "ThreadSupport"]),
        concept("Backtest", ["Indicators", "TextWriters", "ThreadSupport"]),
        concept("Signals", ["Backtest", "Indicators"]),
        concept("Candles", ["FastDecode"]),
        concept("LibWebSockets", ["CLibWebSockets", "ThreadSupport"]),
        concept("Archive", ["Candles", "FastDecode", "TextWriters", "ThreadSupport", "CLZ4", logging]),
        concept("MarketSource", ["FastDecode"]),
        concept(
            "ChromeCDP",
            [
                "MarketSource", "Metrics", "FastDecode", "ThreadSupport", "CLibWebSockets", "LibWebSockets", logging,
            ]),
        concept("Demo", ["MarketSource", "Metrics", "FastDecode"]),
        concept("Collect", ["ChromeCDP", "Archive", "Candles", "FastDecode", "ThreadSupport", logging]),
        concept(
            "SocketIOServer",
            [
                "Candles", "Ring", "ThreadSupport", "Metrics", "FastDecode", "TextWriters", "CLibWebSockets",
                "LibWebSockets",
                "Indicators", logging,
            ]),
        concept(
            "RedisBridge",
            [
                "Ring", "ThreadSupport", "Candles", "Archive", "MarketSource", "Metrics", "FastDecode", "CHiredis",
                logging,
            ]),
        concept(
            "Postgres",
            ["CLibPQ", "RedisBridge", "Archive", "Candles", "FastDecode", "TextWriters", "ThreadSupport", logging]),
        // The composition root: ring, pipeline, sinks, wiring.
        concept(
            "Engine",
            [
                "Ring", "ThreadSupport", "Candles", "Archive", "MarketSource", "ChromeCDP", "Demo", "SocketIOServer",
                "Metrics",
                "RedisBridge", "Indicators", "Backtest", "Signals", "FastDecode", "TextWriters", logging,
            ]),

        .executableTarget(
            name: "qflux",
            dependencies: [
                "Engine", "Archive", "Candles", "ChromeCDP", "Demo", "SocketIOServer", "FastDecode", "TextWriters",
                "RedisBridge", "Indicators", "Backtest", "Signals", "Collect", "MarketSource", "Metrics",
                "ThreadSupport", "Postgres", argumentParser, logging,
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "qflux-bench",
            dependencies: [
                "Engine", "Archive", "Candles", "Ring", "ThreadSupport", "ChromeCDP", "Demo", "SocketIOServer",
                "FastDecode", "TextWriters", "CDecodeShim", "CEpoll", "LibWebSockets", "RedisBridge", "Indicators",
                "Backtest", "Signals", "MarketSource", "Metrics", "Postgres", logging,
            ],
            exclude: ["Scripts"],  // the bench's Python programs, found at run time (BenchScripts)
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FastDecodeTests",
            dependencies: ["FastDecode", "TextWriters", "CDecodeShim"],
            path: "Tests/FastDecodeTests",
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EngineTests",
            dependencies: [
                "Engine", "Archive", "Candles", "Ring", "ThreadSupport", "ChromeCDP", "Demo", "SocketIOServer",
                "MarketSource", "Metrics", "FastDecode", "TextWriters", "RedisBridge", "Indicators", "Backtest",
                "Signals", "Collect", "CLZ4", "Postgres", logging,
            ],
            path: "Tests/EngineTests",
            exclude: ["Scripts"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ThreadSupportTests",
            dependencies: ["ThreadSupport"],
            path: "Tests/ThreadSupportTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AnalysisTests",
            dependencies: ["Indicators", "Backtest", "Signals", "FastDecode", "TextWriters", "CFloatFormat"],
            path: "Tests/AnalysisTests",
            exclude: ["Scripts", "Fixtures"],
            swiftSettings: swiftSettings
        ),
    ],
    cxxLanguageStandard: .cxx17
)
