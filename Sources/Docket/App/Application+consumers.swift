import Logging
import ServiceLifecycle

/// The event transport's services: with a broker, the outbox relay, the consumers reading the broker and the sweeps
/// applying from the outbox what the broker lost; without one, the consumers reading the outbox. Consumers can be
/// turned off (`ConsumerSettings.enabled`), the relay cannot.
func eventTransport(
    config: DocketConfig, database: DocketDatabase, events: EventComponents, broker: RedisEventBroker?, metrics: DocketMetrics, gate: StartGate,
    logger: Logger
) -> [any Service] {
    let consumers: [any EventConsumer] = config.consumers.enabled ? [StatsProjector()] : []
    let deadLetters = DeadLetterStore(database: database)
    guard let settings = config.broker, let broker else {
        return consumers.map { consumer in
            OutboxConsumerRunner(
                processor: ConsumerProcessor(database: database, consumer: consumer), deadLetters: deadLetters, settings: config.consumers,
                signal: events.consumerSignal, metrics: metrics, gate: gate, logger: logger)
        }
    }
    let relay = OutboxRelay(
        database: database, broker: broker, settings: settings, signal: events.relaySignal, metrics: metrics, gate: gate, logger: logger)
    return [BrokerLifetime(broker: broker), relay]
        + consumers.flatMap { consumer -> [any Service] in
            let processor = ConsumerProcessor(database: database, consumer: consumer)
            return [
                BrokerConsumerRunner(
                    broker: broker, processor: processor, deadLetters: deadLetters, settings: config.consumers, metrics: metrics, gate: gate,
                    logger: logger),
                MissedEventSweeper(
                    broker: broker, processor: processor, deadLetters: deadLetters, settings: config.consumers, metrics: metrics, gate: gate,
                    logger: logger),
            ]
        }
}
