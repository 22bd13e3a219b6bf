import { z } from 'zod';
import { HttpDataSource } from './http-datasource.js';

const stockSchema = z.object({
  productId: z.string(),
  available: z.int32(),
});

export type Stock = z.infer<typeof stockSchema>;

export class InventoryDataSource extends HttpDataSource {
  protected readonly forwardsAuthorization = false;

  private readonly stock = this.batchLoader((productIds) =>
    this.getBatch({ path: '/stock', param: 'productIds', ids: productIds, envelope: 'stock', idField: 'productId' }, stockSchema),
  );

  /** Units of the product in stock, or `null` when inventory does not know the product. */
  async available(productId: string): Promise<number | null> {
    const stock = await this.stock.load(productId);
    return stock === null ? null : stock.available;
  }
}
