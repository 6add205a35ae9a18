/**
 * Subscriptions run over WebSocket only (graphql-ws on /graphql, http/ws-subscriptions.ts).
 * Sent over HTTP POST or GET, GraphQL-js would only find out while executing, which surfaced as
 * INTERNAL_SERVER_ERROR with a stack trace in the logs for every such document; refused at
 * validation instead, it is a client's BAD_USER_INPUT saying where to send it.
 */
import { GraphQLError, type ValidationRule } from 'graphql';

export const SUBSCRIPTIONS_UNSUPPORTED = 'subscriptions are not served over HTTP: subscribe over WebSocket on /graphql with the graphql-ws protocol (graphql-transport-ws)';

export const noSubscriptionsRule: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if (node.operation === 'subscription') context.reportError(new GraphQLError(SUBSCRIPTIONS_UNSUPPORTED, { nodes: node }));
  },
});
