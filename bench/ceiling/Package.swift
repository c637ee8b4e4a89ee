// swift-tools-version:6.1
import PackageDescription

// The benchmark's ceiling: a bare Hummingbird 2 server on the same framework version as Docket, built and run by
// bench/run next to Docket so every figure can be read as a share of what the framework alone does on this machine.
let package = Package(
    name: "ceiling",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1")
    ],
    targets: [
        .executableTarget(
            name: "Ceiling",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        )
    ]
)
