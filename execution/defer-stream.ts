/**
 * `@defer` and `@stream`: Yoga's plugin, with its validation as it means it.
 *
 * The plugin replaces graphql-js's `OverlappingFieldsCanBeMergedRule` with its own (which
 * knows that a deferred fragment may repeat a field): it filters the rule out of the hook's
 * `params.rules` and adds its version. Under envelop 5 `params` is a copy made for each hook, so
 * the filter removes nothing and both rules run: a conflict (`{ a: id a: __typename }`) was reported
 * twice (`test/hostile.test.ts`). Here graphql-js's rule leaves the list the validation runs with.
 */
import { OverlappingFieldsCanBeMergedRule, type DocumentNode, type GraphQLSchema, type ValidationRule } from 'graphql';
import { useDeferStream as yogaDeferStream } from '@graphql-yoga/plugin-defer-stream';

type Validate = (schema: GraphQLSchema, document: DocumentNode, rules?: readonly ValidationRule[], ...rest: unknown[]) => unknown;

export function useDeferStream(): ReturnType<typeof yogaDeferStream> {
  const plugin = yogaDeferStream();
  return {
    ...plugin,
    onValidate(payload) {
      plugin.onValidate?.(payload);
      // envelop types the validation function as `any`: it is graphql-js's `validate`, or what an earlier plugin put in its place.
      const validate = payload.validateFn as Validate;
      payload.setValidationFn((schema: GraphQLSchema, document: DocumentNode, rules?: readonly ValidationRule[], ...rest: unknown[]) =>
        validate(
          schema,
          document,
          rules?.filter((rule) => rule !== OverlappingFieldsCanBeMergedRule),
          ...rest,
        ),
      );
    },
  };
}
