import ServiceLifecycle

/// Keeps the broker's connections open while the services that use it run, and closes them at shutdown (it is listed
/// before those services, so it stops after them).
struct BrokerLifetime: Service {
    let broker: any EventBroker

    func run() async throws {
        try? await gracefulShutdown()
        await broker.close()
    }
}
