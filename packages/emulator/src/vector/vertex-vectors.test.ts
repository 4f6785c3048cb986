import { protos, v1 } from '@google-cloud/aiplatform';
import { OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../index.js';

type IDatapoint = protos.google.cloud.aiplatform.v1.IIndexDatapoint;
const Op = protos.google.cloud.aiplatform.v1.IndexDatapoint.NumericRestriction.Operator;

let emulator: Emulator;
let indexes: v1.IndexServiceClient;
let match: v1.MatchServiceClient;

const PARENT = 'projects/demo/locations/us-central1';
const ENDPOINT = `${PARENT}/indexEndpoints/ep1`;

function options() {
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: 'test-token' });
  return {
    apiEndpoint: '127.0.0.1',
    port: emulator.port,
    protocol: 'http',
    fallback: true,
    // google-gax types its own nested copy of google-auth-library; the root copy works the same at run time.
    authClient: authClient as never,
  } as const;
}

const POINTS: IDatapoint[] = [
  {
    datapointId: 'x',
    featureVector: [2, 0, 0],
    restricts: [{ namespace: 'file', allowList: ['f1'] }],
    numericRestricts: [{ namespace: 'year', valueDouble: 2020 }],
  },
  {
    datapointId: 'mostly-x',
    featureVector: [0.8, 0.6, 0],
    restricts: [{ namespace: 'file', allowList: ['f1'] }],
    numericRestricts: [{ namespace: 'year', valueDouble: 2022 }],
  },
  {
    datapointId: 'y',
    featureVector: [0, 1, 0],
    restricts: [{ namespace: 'file', allowList: ['f2'] }],
    numericRestricts: [{ namespace: 'year', valueDouble: 2024 }],
  },
  { datapointId: 'z', featureVector: [0, 0, 1] },
];

async function neighbors(
  deployedIndexId: string,
  datapoint: IDatapoint,
  neighborCount = 10,
): Promise<{ id: string; distance: number }[]> {
  const [res] = await match.findNeighbors({
    indexEndpoint: ENDPOINT,
    deployedIndexId,
    queries: [{ datapoint, neighborCount }],
  });
  return (res.nearestNeighbors?.[0]?.neighbors ?? []).map((n) => ({
    id: n.datapoint?.datapointId ?? '',
    distance: Number(n.distance),
  }));
}

/** The google.rpc.Status of a failed call: over REST the client raises gaxios's error with the JSON in `message`. */
const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => {
      const { status, message } = e as { status: number; message: string };
      return {
        httpStatus: status,
        ...(JSON.parse(message) as { error: { status: string; message: string } }).error,
      };
    },
  );

beforeAll(async () => {
  emulator = await startEmulator();
  indexes = new v1.IndexServiceClient(options());
  match = new v1.MatchServiceClient(options());
});
afterAll(async () => {
  await indexes.close();
  await match.close();
  await emulator.close();
});
beforeEach(() => emulator.reset());

describe('Vertex AI Vector Search through @google-cloud/aiplatform (REST)', () => {
  it('upserts datapoints and finds the nearest by cosine (unit-normalised dot product)', async () => {
    await indexes.upsertDatapoints({ index: `${PARENT}/indexes/ranked`, datapoints: POINTS });
    const found = await neighbors('ranked', { featureVector: [1, 0.1, 0] }, 2);
    expect(found.map((n) => n.id)).toEqual(['x', 'mostly-x']);
    const q = Math.hypot(1, 0.1);
    expect(found[0]?.distance).toBeCloseTo(1 / q, 6);
    expect(found[1]?.distance).toBeCloseTo((0.8 + 0.06) / q, 6);
    expect(emulator.requests().byOperation).toMatchObject({
      'vertex.upsertDatapoints': 1,
      'vertex.findNeighbors': 1,
    });
  });

  it('filters with restricts (allow, deny) and numeric restricts', async () => {
    await indexes.upsertDatapoints({ index: `${PARENT}/indexes/filtered`, datapoints: POINTS });
    const ids = async (datapoint: Omit<IDatapoint, 'featureVector'>) =>
      (await neighbors('filtered', { featureVector: [1, 0, 0], ...datapoint })).map((n) => n.id);
    expect(await ids({ restricts: [{ namespace: 'file', allowList: ['f2'] }] })).toEqual(['y']);
    expect(await ids({ restricts: [{ namespace: 'file', allowList: ['f1', 'f2'] }] })).toEqual([
      'x',
      'mostly-x',
      'y',
    ]);
    // Deny keeps datapoints without the namespace (z).
    expect(await ids({ restricts: [{ namespace: 'file', denyList: ['f1'] }] })).toEqual(['y', 'z']);
    expect(
      await ids({ numericRestricts: [{ namespace: 'year', valueDouble: 2022, op: Op.GREATER_EQUAL }] }),
    ).toEqual(['mostly-x', 'y']);
    expect(
      await ids({
        restricts: [{ namespace: 'file', allowList: ['f1'] }],
        numericRestricts: [{ namespace: 'year', valueDouble: 2022, op: Op.LESS }],
      }),
    ).toEqual(['x']);
    expect(
      await ids({ numericRestricts: [{ namespace: 'year', valueDouble: 2020, op: Op.NOT_EQUAL }] }),
    ).toEqual(['mostly-x', 'y']);
  });

  it('replaces a datapoint on upsert, removes datapoints, reads them back', async () => {
    const index = `${PARENT}/indexes/updated`;
    await indexes.upsertDatapoints({ index, datapoints: POINTS });
    await indexes.upsertDatapoints({ index, datapoints: [{ datapointId: 'z', featureVector: [1, 0, 0] }] });
    await indexes.removeDatapoints({ index, datapointIds: ['x', 'mostly-x'] });
    expect((await neighbors('updated', { featureVector: [1, 0, 0] }, 1))[0]).toEqual({
      id: 'z',
      distance: 1,
    });
    const [read] = await match.readIndexDatapoints({
      indexEndpoint: ENDPOINT,
      deployedIndexId: 'updated',
      ids: ['y', 'x'],
    });
    expect(read.datapoints?.map((d) => [d.datapointId, d.featureVector])).toEqual([['y', [0, 1, 0]]]);
  });

  it('rejects a vector of another dimension and names the rule for deployed ids', async () => {
    const index = `${PARENT}/indexes/dims`;
    await indexes.upsertDatapoints({ index, datapoints: POINTS });
    const bad = await failure(
      indexes.upsertDatapoints({ index, datapoints: [{ datapointId: 'w', featureVector: [1, 0] }] }),
    );
    expect(bad).toMatchObject({ httpStatus: 400, status: 'INVALID_ARGUMENT' });
    expect(bad.message).toContain('has 2 dimensions; index dims has 3');
    const unknown = await failure(neighbors('elsewhere', { featureVector: [1, 0, 0] }));
    expect(unknown).toMatchObject({ httpStatus: 404, status: 'NOT_FOUND' });
    expect(unknown.message).toContain('serves a deployed index from the index of the same id');
  });

  it('needs a Bearer token and applies faults', async () => {
    const res = await fetch(`${emulator.url}/v1/${ENDPOINT}:findNeighbors`, {
      method: 'POST',
      body: JSON.stringify({ deployedIndexId: 'dims', queries: [] }),
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { status: string } }).error.status).toBe('UNAUTHENTICATED');
    emulator.setFaults([{ operation: 'vertex.findNeighbors', status: 429, count: 1 }]);
    expect(await failure(neighbors('dims', { featureVector: [1, 0, 0] }))).toMatchObject({
      httpStatus: 429,
      status: 'RESOURCE_EXHAUSTED',
    });
    expect(await neighbors('dims', { featureVector: [1, 0, 0] }, 1)).toHaveLength(1);
  });
});
