import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv, FrontState } from '../context.js';
import { HttpError } from '../errors.js';
import { countRequest, endpointLabel, readMultipart, required, tooLarge } from '../vector-stores/http.js';
import { listQuery, page } from '../vector-stores/pagination.js';
import { fileObject } from '../vector-stores/records.js';
import type { VectorStores } from '../vector-stores/setup.js';

/**
 * `POST /v1/files` (multipart: `file`, `purpose: "assistants"`), `GET /v1/files`, `GET /v1/files/{id}` and
 * `DELETE /v1/files/{id}` (the file leaves every vector store it is attached to, its chunks first). Files serve
 * the vector store API only, and only the key that uploaded a file sees it.
 */
export function filesRoutes(front: FrontState, vectors: VectorStores): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use('/v1/files', endpointLabel('files'));
  app.use('/v1/files/*', endpointLabel('files'));

  app.post('/v1/files', async (c) => {
    const service = required(vectors.service);
    const key = c.get('caller').id;
    const release = await countRequest(front, key);
    try {
      const form = await readMultipart(c.req, service.maxFileBytes);
      const purpose = form.get('purpose');
      if (purpose !== 'assistants') {
        throw new HttpError(
          400,
          `invalid purpose: got ${purpose === null ? 'nothing' : JSON.stringify(String(purpose).slice(0, 40))}; this gateway stores files for vector stores only: send purpose "assistants"`,
          { param: 'purpose', code: 'invalid_value' },
        );
      }
      const file = form.get('file');
      if (!(file instanceof File)) {
        throw new HttpError(400, 'invalid file: expected a file part named "file" (with a filename)', {
          param: 'file',
          code: 'invalid_value',
        });
      }
      if (file.size > service.maxFileBytes) throw tooLarge(service.maxFileBytes);
      const record = await service.uploadFile(key, {
        filename: file.name || 'upload.txt',
        bytes: new Uint8Array(await file.arrayBuffer()),
        mediaType: file.type,
      });
      return c.json(fileObject(record));
    } finally {
      release();
    }
  });

  app.get('/v1/files', async (c) => {
    const service = required(vectors.service);
    const query = listQuery(c.req.query(), { purpose: z.string().max(64).optional() });
    const owner = c.get('caller').id;
    const files = (await service.meta.files(owner)).filter(
      (f) => query.purpose === undefined || f.purpose === query.purpose,
    );
    return c.json(page(files, query, fileObject));
  });

  app.get('/v1/files/:id', async (c) => {
    const service = required(vectors.service);
    return c.json(fileObject(await service.file(c.get('caller').id, c.req.param('id'), 'file_id')));
  });

  app.delete('/v1/files/:id', async (c) => {
    const service = required(vectors.service);
    const key = c.get('caller').id;
    const release = await countRequest(front, key);
    try {
      const id = c.req.param('id');
      await service.deleteFile(key, id);
      return c.json({ id, object: 'file' as const, deleted: true });
    } finally {
      release();
    }
  });
  return app;
}
