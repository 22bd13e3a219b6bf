import type { GetStockResponse } from '../generated/upstreams/inventory/types.gen.js';
import { zGetStockResponse, zOutOfStock, zReserveResponse } from '../generated/upstreams/inventory/zod.gen.js';
import { errorBody } from './error-body.js';
import { HttpDataSource } from './http-datasource.js';
import type { OrderLine } from './orders-datasource.js';
import { path } from './url.js';

export type ReserveResult = { reserved: true; reservationId: string } | { reserved: false; productId: string | undefined };

/** The stock of one product (contracts/inventory.openapi.yaml). */
export type Stock = GetStockResponse['stock'][number];
const stockSchema = zGetStockResponse.shape.stock.element;

/** The cache's tag of a product's stock (upstream-cache.ts). */
const stockTag = (productId: string) => `stock:${productId}`;

export class InventoryDataSource extends HttpDataSource {
  protected readonly forwardsAuthorization = false;

  private readonly stock = this.batchLoader('stock', (productIds) =>
    this.getBatch(
      { path: '/stock', param: 'productIds', ids: productIds, envelope: 'stock', idField: 'productId', tagOf: stockTag },
      stockSchema,
    ),
  );

  /**
   * Reserves the stock of an order. The `Idempotency-Key` is derived from the order id, so
   * that sending it again replays the first answer: that is also how a saga that lost the
   * answer learns the reservation's id. A 409 `OUT_OF_STOCK` is a refusal, not a failure.
   */
  async reserve(orderId: string, items: OrderLine[]): Promise<ReserveResult> {
    const response = await this.call({
      method: 'POST',
      path: '/reservations',
      route: '/reservations',
      body: { orderId, items },
      idempotencyKey: `${orderId}:reserve`,
      answer: zReserveResponse,
      invalidates: items.map((item) => stockTag(item.productId)),
    });
    if (response.status === 409) return { reserved: false, productId: errorBody(response.body, zOutOfStock)?.productId };
    if (response.status !== 201 && response.status !== 200) throw this.statusError(response);
    return { reserved: true, reservationId: this.parse(response, zReserveResponse).reservationId };
  }

  /** Releases a reservation's stock, of `items` (idempotent; an unknown reservation holds nothing). */
  async release(reservationId: string, items: readonly OrderLine[]): Promise<void> {
    const response = await this.call({
      method: 'DELETE',
      path: path`/reservations/${reservationId}`,
      route: '/reservations/{reservationId}',
      invalidates: items.map((item) => stockTag(item.productId)),
    });
    if (response.status === 404) return;
    if (response.status < 200 || response.status > 299) throw this.statusError(response);
  }

  /** Units of the product in stock, or `null` when inventory does not know the product. */
  async available(productId: string): Promise<number | null> {
    const stock = await this.stock.load(productId);
    return stock === null ? null : stock.available;
  }
}
