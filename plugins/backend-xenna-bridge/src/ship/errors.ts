import { CuratorError, ErrorCodes } from "@curator/core";

/** What cannot be packed for, or sent to, a Ray cluster (`CURATOR_INVALID_CONFIG`). */
export class ShipError extends CuratorError {
	constructor(message: string, options?: ErrorOptions) {
		super(ErrorCodes.invalidConfig, message, options);
	}
}
