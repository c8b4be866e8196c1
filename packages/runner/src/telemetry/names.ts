/**
 * Every span, metric and attribute name the runner reports. OpenTelemetry GenAI semantic
 * conventions (`gen_ai.*`) where one exists, `earshot.*` otherwise.
 */
export const TELEMETRY_NAMES = {
  instrumentationScope: '@earshot/runner',
  spans: {
    /** `invoke_agent {agent}`: one `runLive`, root of the run's tree. */
    run: 'invoke_agent',
    /** `live {model}`: one model connection (WebSocket), from setup to close. */
    connection: 'live',
    /** `execute_tool {tool}`: one function call, hooks included. */
    tool: 'execute_tool',
    /** `earshot.session.{operation}`: one session-service call made by the runner. */
    storagePrefix: 'earshot.session.',
  },
  metrics: {
    activeRuns: 'earshot.runs.active',
    connections: 'earshot.live.connections',
    activeConnections: 'earshot.live.connections.active',
    reconnects: 'earshot.live.reconnects',
    audioIn: 'earshot.audio.input.duration',
    audioOut: 'earshot.audio.output.duration',
    events: 'earshot.events',
    addedLatency: 'earshot.runner.added_latency',
    toolDuration: 'earshot.tool.duration',
    storageErrors: 'earshot.storage.errors',
    tokenUsage: 'gen_ai.client.token.usage',
  },
  attributes: {
    operation: 'gen_ai.operation.name',
    provider: 'gen_ai.provider.name',
    agentName: 'gen_ai.agent.name',
    conversationId: 'gen_ai.conversation.id',
    requestModel: 'gen_ai.request.model',
    toolName: 'gen_ai.tool.name',
    toolCallId: 'gen_ai.tool.call.id',
    toolType: 'gen_ai.tool.type',
    tokenType: 'gen_ai.token.type',
    errorType: 'error.type',
    appName: 'earshot.app.name',
    invocationId: 'earshot.invocation.id',
    connectionId: 'earshot.connection.id',
    connectionReason: 'earshot.connection.reason',
    resumed: 'earshot.connection.resumed',
    closeCode: 'earshot.connection.close_code',
    toolBehavior: 'earshot.tool.behavior',
    toolOutcome: 'earshot.tool.outcome',
    toolResponses: 'earshot.tool.responses',
    rule: 'earshot.persistence.rule',
    persisted: 'earshot.persisted',
    storageOperation: 'earshot.storage.operation',
    runOutcome: 'earshot.run.outcome',
  },
} as const;
