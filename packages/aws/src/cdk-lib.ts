/**
 * The aws-cdk-lib and cdk-nag these constructs are built with. A CDK app must use ONE copy of aws-cdk-lib:
 * constructs from two copies do not type-check together and cdk-nag's `instanceof` rules silently skip
 * resources of the other copy. Apps in this monorepo (where npm cannot hoist aws-cdk-lib to the root) import
 * from here; an app that installs @genai-deploy/aws from the registry imports 'aws-cdk-lib' as usual.
 */
export * as cdk from 'aws-cdk-lib';
export * as nag from 'cdk-nag';
