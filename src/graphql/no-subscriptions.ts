/**
 * Subscriptions do not exist on this endpoint (yet). GraphQL-js only finds that out while
 * executing ("Schema is not configured to execute subscription operation"), which surfaced as
 * INTERNAL_SERVER_ERROR with a stack trace in the logs for every such document; refused at
 * validation instead, it is a client's BAD_USER_INPUT, logged as nothing more.
 */
import { GraphQLError, type ValidationRule } from 'graphql';

export const SUBSCRIPTIONS_UNSUPPORTED = 'subscriptions are not supported on this endpoint';

export const noSubscriptionsRule: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if (node.operation === 'subscription') context.reportError(new GraphQLError(SUBSCRIPTIONS_UNSUPPORTED, { nodes: node }));
  },
});
