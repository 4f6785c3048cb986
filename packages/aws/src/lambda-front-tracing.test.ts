import { FRONT_ENV, type FrontConfigInput } from '@genai-deploy/config';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { isAwsConstructError } from './errors.js';
import { LambdaFront, type LambdaFrontProps } from './lambda-front.js';
import { flat, nagFindings } from './nag.test-utils.js';

const config: FrontConfigInput = { models: [{ id: 'bedrock/anthropic.claude-3-5-haiku-20241022-v1:0' }] };
const inline = lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200 });');

function synth(props: Partial<LambdaFrontProps>, region = 'us-east-1') {
  const stack = new Stack(new App(), 'S', { env: { account: '111122223333', region } });
  new LambdaFront(stack, 'Front', { config, code: inline, ...props });
  const template = Template.fromStack(stack);
  const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0]?.['Properties'];
  return { stack, template, fn, env: fn?.Environment.Variables as Record<string, unknown> };
}

const xrayStatement = Match.objectLike({
  Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
  Resource: '*',
});

describe('LambdaFront tracing', () => {
  it('is off by default: no X-Ray mode, no layer, no OTEL_* variables, no X-Ray permission', () => {
    const { template, fn, env } = synth({});
    expect(fn.TracingConfig).toBeUndefined();
    expect(fn.Layers).toBeUndefined();
    expect(Object.keys(env).filter((n) => n.startsWith('OTEL_') || n === 'AWS_LAMBDA_EXEC_WRAPPER')).toEqual(
      [],
    );
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).not.toContain('xray:');
  });

  it('tracing: {} turns X-Ray active tracing on, with its wildcard write permission acknowledged for cdk-nag', () => {
    const { stack, template, fn } = synth({ tracing: {} });
    expect(fn.TracingConfig).toEqual({ Mode: 'Active' });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([xrayStatement]) },
    });
    expect(nagFindings(stack)).toEqual([]);
  });

  it('adotLayer adds the regional ADOT JavaScript layer for arm64 and its wrapper, with the service name', () => {
    const { fn, env } = synth({
      tracing: { adotLayer: lambda.AdotLambdaLayerJavaScriptSdkVersion.V1_30_0, serviceName: 'chat-gateway' },
    });
    expect(fn.Layers).toHaveLength(1);
    // The layer of the stack's region, published by AWS for the function's architecture (arm64).
    expect(flat(fn.Layers[0])).toMatch(
      /^arn:aws:lambda:us-east-1:901920570463:layer:aws-otel-nodejs-arm64-ver-1-30-\d+:\d+$/,
    );
    expect(env).toMatchObject({
      [FRONT_ENV.lambdaExecWrapper.name]: '/opt/otel-handler',
      [FRONT_ENV.otelServiceName.name]: 'chat-gateway',
    });
    expect(env).not.toHaveProperty(FRONT_ENV.otelEndpoint.name);
    expect(fn.TracingConfig).toEqual({ Mode: 'Active' });
  });

  it('otlpEndpoint points the front at a collector without X-Ray when asked', () => {
    const { template, fn, env } = synth({
      tracing: { xray: false, otlpEndpoint: 'https://otel.example.com:4318' },
    });
    expect(fn.TracingConfig).toBeUndefined();
    expect(env).toMatchObject({
      [FRONT_ENV.otelEndpoint.name]: 'https://otel.example.com:4318',
      [FRONT_ENV.otelServiceName.name]: 'genai-front',
    });
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).not.toContain('xray:');
  });

  it.each([
    ['tracing-off', { xray: false }],
    ['tracing-endpoint', { otlpEndpoint: 'otel.example.com:4318' }],
    [
      'tracing-two-exporters',
      {
        adotLayer: lambda.AdotLambdaLayerJavaScriptSdkVersion.LATEST,
        otlpEndpoint: 'https://otel.example.com',
      },
    ],
  ] as const)('refuses %s with a construct error that names the fix', (code, tracing) => {
    let caught: unknown;
    try {
      synth({ tracing });
    } catch (e) {
      caught = e;
    }
    expect(isAwsConstructError(caught)).toBe(true);
    expect(caught).toMatchObject({ code, message: expect.stringMatching(/\[S\/Front\].*Fix: /) });
  });
});
