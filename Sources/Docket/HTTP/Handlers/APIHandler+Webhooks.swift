import DocketAPI
import Foundation

extension APIHandler {
    func listWebhooks(_ input: Operations.ListWebhooks.Input) async throws -> Operations.ListWebhooks.Output {
        let caller = try await requireUser(.session)
        let hooks = try await webhooks.list(owner: caller.id, logger: requestLogger)
        return .ok(.init(body: .json(.init(items: hooks.map(Components.Schemas.Webhook.init)))))
    }

    func createWebhook(_ input: Operations.CreateWebhook.Input) async throws -> Operations.CreateWebhook.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let caller = try await requireUser(.session)
        try rejectExplicitNulls()
        try await sessions.requireRecentSignIn(caller, within: settings.recentSignInSeconds, logger: requestLogger)
        let hook = try await webhooks.create(
            owner: caller.id,
            WebhookService.Changes(url: body.url, eventTypes: body.eventTypes ?? [], description: body.description.map { $0 }, enabled: body.enabled),
            origin: try request.origin, logger: requestLogger)
        return .created(.init(body: .json(.init(webhook: .init(hook), secret: hook.secret))))
    }

    func getWebhook(_ input: Operations.GetWebhook.Input) async throws -> Operations.GetWebhook.Output {
        let caller = try await requireUser(.session)
        let hook = try await webhooks.get(try Self.uuid(input.path.id, "webhook"), owner: caller.id, logger: requestLogger)
        return .ok(.init(body: .json(.init(hook))))
    }

    func updateWebhook(_ input: Operations.UpdateWebhook.Input) async throws -> Operations.UpdateWebhook.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let caller = try await requireUser(.session)
        try rejectExplicitNulls(except: { $0 == "/description" })
        let present = try presentKeys()
        var changes = WebhookService.Changes(url: body.url, eventTypes: body.eventTypes, enabled: body.enabled)
        if present["description"] != nil { changes.description = .some(body.description) }
        let hook = try await webhooks.update(try Self.uuid(input.path.id, "webhook"), owner: caller.id, changes, logger: requestLogger)
        return .ok(.init(body: .json(.init(hook))))
    }

    func deleteWebhook(_ input: Operations.DeleteWebhook.Input) async throws -> Operations.DeleteWebhook.Output {
        let caller = try await requireUser(.session)
        try await webhooks.delete(try Self.uuid(input.path.id, "webhook"), owner: caller.id, logger: requestLogger)
        return .noContent(.init())
    }

    func rotateWebhookSecret(_ input: Operations.RotateWebhookSecret.Input) async throws -> Operations.RotateWebhookSecret.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let caller = try await requireUser(.session)
        try rejectExplicitNulls()
        let hook = try await webhooks.rotateSecret(
            try Self.uuid(input.path.id, "webhook"), owner: caller.id, overlapSeconds: body.overlapSeconds ?? 86_400, origin: try request.origin,
            logger: requestLogger)
        return .ok(.init(body: .json(.init(webhook: .init(hook), secret: hook.secret))))
    }

    func testWebhook(_ input: Operations.TestWebhook.Input) async throws -> Operations.TestWebhook.Output {
        let caller = try await requireUser(.session)
        try await limit([userBucket("webhook-send", userID: caller.id, policy: settings.webhookSendLimit)])
        let delivery = try await webhooks.sendTest(try Self.uuid(input.path.id, "webhook"), owner: caller.id, logger: requestLogger)
        return .accepted(.init(body: .json(.init(delivery))))
    }

    func listWebhookDeliveries(_ input: Operations.ListWebhookDeliveries.Input) async throws -> Operations.ListWebhookDeliveries.Output {
        let caller = try await requireUser(.session)
        let (limit, _) = try Paging.validate(limit: input.query.limit, offset: nil)
        let deliveries = try await webhooks.deliveries(try Self.uuid(input.path.id, "webhook"), owner: caller.id, limit: limit, logger: requestLogger)
        return .ok(.init(body: .json(.init(items: deliveries.map(Components.Schemas.WebhookDelivery.init)))))
    }

    func redeliverWebhook(_ input: Operations.RedeliverWebhook.Input) async throws -> Operations.RedeliverWebhook.Output {
        let caller = try await requireUser(.session)
        try await limit([userBucket("webhook-send", userID: caller.id, policy: settings.webhookSendLimit)])
        let delivery = try await webhooks.redeliver(
            try Self.uuid(input.path.id, "webhook"), delivery: try Self.uuid(input.path.deliveryId, "delivery"), owner: caller.id,
            logger: requestLogger)
        return .accepted(.init(body: .json(.init(delivery))))
    }

    /// A path id as a UUID, or a 400 problem naming what it should identify.
    static func uuid(_ text: String, _ what: String) throws -> UUID {
        guard let id = UUID(uuidString: text) else { throw AppError(.badRequest, "The \(what) id is not a UUID.") }
        return id
    }
}
