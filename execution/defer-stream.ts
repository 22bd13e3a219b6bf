/**
 * `@defer` and `@stream`: Yoga's plugin, with its validation as it means it.
 *
 * The plugin replaces graphql-js's `OverlappingFieldsCanBeMergedRule` with its own (which
 * knows that a deferred fragment may repeat a field): it filters the rule out of the hook's
 * `params.rules` and adds its version. Under envelop 5 `params` is a copy made for each hook, so
 * the filter removes nothing and both rules run: a conflict (`{ a: id a: __typename }`) was reported
 * twice (`test/hostile.test.ts`). Here graphql-js's rule leaves the list the validation runs with.
 *
 * The plugin's hook also filtered the whole list by name on every request, a cached document
 * too; its rules are read from it once, at start, and each request adds them.
 */
import { OverlappingFieldsCanBeMergedRule, type DocumentNode, type GraphQLSchema, type ValidationRule } from 'graphql';
import { useDeferStream as yogaDeferStream } from '@graphql-yoga/plugin-defer-stream';

type Plugin = ReturnType<typeof yogaDeferStream>;
type ValidatePayload = Parameters<NonNullable<Plugin['onValidate']>>[0];
type Validate = (schema: GraphQLSchema, document: DocumentNode, rules?: readonly ValidationRule[], ...rest: unknown[]) => unknown;

export function useDeferStream(): Plugin {
  const plugin = yogaDeferStream();
  const rules = rulesAddedBy(plugin);
  // envelop types the validation function as `any`: graphql-js's `validate`, or what an earlier plugin put in its place.
  const withoutGraphqlRule = new WeakMap<Validate, Validate>();
  const wrap = (validate: Validate): Validate => {
    let wrapped = withoutGraphqlRule.get(validate);
    if (wrapped === undefined) {
      wrapped = (schema, document, given, ...rest) =>
        validate(
          schema,
          document,
          given?.filter((rule) => rule !== OverlappingFieldsCanBeMergedRule),
          ...rest,
        );
      withoutGraphqlRule.set(validate, wrapped);
    }
    return wrapped;
  };
  return {
    ...plugin,
    onValidate({ addValidationRule, validateFn, setValidationFn }) {
      for (const rule of rules) addValidationRule(rule);
      setValidationFn(wrap(validateFn as Validate));
    },
  };
}

/** The rules the plugin's validation hook adds (its own overlap rule and the directives' three), asked once. */
function rulesAddedBy(plugin: Plugin): readonly ValidationRule[] {
  const added: ValidationRule[] = [];
  plugin.onValidate?.({
    params: { rules: [] },
    addValidationRule: (rule: ValidationRule) => added.push(rule),
  } as unknown as ValidatePayload);
  if (added.length === 0) throw new Error('defer-stream: the plugin added no validation rule (see rulesAddedBy)');
  return added;
}
